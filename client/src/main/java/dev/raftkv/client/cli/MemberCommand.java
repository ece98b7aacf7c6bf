package dev.raftkv.client.cli;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonStructure;
import jakarta.json.JsonValue;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "member", description = "List and change the cluster's members (admin API).",
        subcommands = {MemberCommand.ListMembers.class, MemberCommand.Add.class, MemberCommand.Promote.class,
            MemberCommand.Remove.class})
final class MemberCommand {

    @ParentCommand
    RaftKvCli cli;

    @Mixin
    AdminOptions admin;

    AdminApi api() {
        return admin.connect(cli.environment());
    }

    /** Members are either a bare array or an object holding {@code members}. */
    static JsonArray members(JsonStructure answer) {
        if (answer.getValueType() == JsonValue.ValueType.ARRAY) {
            return answer.asJsonArray();
        }
        JsonObject object = answer.asJsonObject();
        return object.containsKey("members") ? object.getJsonArray("members") : JsonValue.EMPTY_JSON_ARRAY;
    }

    /** Member tables: who, then how far behind, then where. */
    static final String[] COLUMNS = {"id", "role", "matchIndex", "lag", "peerAddress", "clientAddress"};

    static void printMembers(RaftKvCli cli, JsonStructure answer) {
        JsonArray members = members(answer);
        if (cli.writeOut() == WriteOut.JSON) {
            WriteOut.print(cli.out(), answer);
        } else if (members.isEmpty()) {
            cli.out().println(answer);
        } else {
            WriteOut.printRows(cli.out(), cli.writeOut(), members, COLUMNS);
        }
    }

    @Command(name = "list", description = "Each member: id, role (voter or learner), addresses, match index, lag.")
    static final class ListMembers implements Callable<Integer> {
        @ParentCommand
        private MemberCommand parent;

        @Override
        public Integer call() {
            printMembers(parent.cli, parent.api().get("members"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "add", description = "Add a node as a learner (it receives the log but does not vote yet).")
    static final class Add implements Callable<Integer> {
        @ParentCommand
        private MemberCommand parent;

        @Parameters(index = "0", paramLabel = "ID")
        private String id;

        @Parameters(index = "1", paramLabel = "PEER_HOST:PORT")
        private String peerAddress;

        @Parameters(index = "2", paramLabel = "CLIENT_HOST:PORT", arity = "0..1")
        private String clientAddress;

        @Override
        public Integer call() {
            var body = Json.createObjectBuilder().add("id", id).add("peerAddress", peerAddress);
            if (clientAddress != null) {
                body.add("clientAddress", clientAddress);
            }
            printMembers(parent.cli, parent.api().post("members", body.build()));
            return ExitCodes.OK;
        }
    }

    @Command(name = "promote", description = "Make a caught-up learner a voter.")
    static final class Promote implements Callable<Integer> {
        @ParentCommand
        private MemberCommand parent;

        @Parameters(index = "0", paramLabel = "ID")
        private String id;

        @Override
        public Integer call() {
            printMembers(parent.cli, parent.api().post("members/" + Paths.segment(id) + "/promote", null));
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", description = "Remove a voter or learner (the leader too: it steps down).")
    static final class Remove implements Callable<Integer> {
        @ParentCommand
        private MemberCommand parent;

        @Parameters(index = "0", paramLabel = "ID")
        private String id;

        @Override
        public Integer call() {
            printMembers(parent.cli, parent.api().delete("members/" + Paths.segment(id)));
            return ExitCodes.OK;
        }
    }

    /** URL path segments. */
    static final class Paths {
        private Paths() {
        }

        static String segment(String text) {
            return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
        }
    }

    static JsonObject object(JsonStructure answer) {
        return answer.getValueType() == JsonValue.ValueType.OBJECT ? answer.asJsonObject()
                : JsonValue.EMPTY_JSON_OBJECT;
    }
}
