package dev.raftkv.client.cli;

import jakarta.json.Json;
import jakarta.json.JsonStructure;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "leader", description = "Leadership (admin API).", subcommands = LeaderCommand.Transfer.class)
final class LeaderCommand {

    @ParentCommand
    RaftKvCli cli;

    @Mixin
    AdminOptions admin;

    @Command(name = "transfer", description = "Hand leadership to a caught-up voter; waits until it leads.")
    static final class Transfer implements Callable<Integer> {
        @ParentCommand
        private LeaderCommand parent;

        @Parameters(index = "0", paramLabel = "ID")
        private String target;

        @Override
        public Integer call() {
            JsonStructure answer = parent.admin.connect(parent.cli.environment()).post("leader/transfer",
                    Json.createObjectBuilder().add("target", target).build());
            String leader = MemberCommand.object(answer).getString("leaderId", target);
            parent.cli.out().println("leader is now " + leader);
            return ExitCodes.OK;
        }
    }
}
