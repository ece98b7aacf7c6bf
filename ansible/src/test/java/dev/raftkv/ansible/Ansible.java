package dev.raftkv.ansible;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the module's playbooks with ansible-playbook, one log file per run. */
final class Ansible {

    private static final Pattern RECAP = Pattern.compile(
            "^(\\S+)\\s+:\\s+ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)", Pattern.MULTILINE);

    private final Path ansibleDir;
    private final Path logDir;
    private final Path tempDir;
    private int runs;

    Ansible(Path ansibleDir, Path workDir) {
        this.ansibleDir = ansibleDir;
        this.logDir = workDir.resolve("logs");
        this.tempDir = workDir.resolve("ansible-tmp");
    }

    /** One playbook run: its exit code, output and the PLAY RECAP's counts per host. */
    record Run(String playbook, Commands.Result result) {

        boolean ok() {
            return result.exitCode() == 0;
        }

        /** changed= per host, from the PLAY RECAP. */
        Map<String, Integer> changedByHost() {
            Map<String, Integer> changed = new LinkedHashMap<>();
            Matcher matcher = RECAP.matcher(result.output());
            while (matcher.find()) {
                changed.put(matcher.group(1), Integer.parseInt(matcher.group(3)));
            }
            return changed;
        }

        String describe() {
            String output = result.output();
            String tail = output.length() > 6000 ? output.substring(output.length() - 6000) : output;
            return playbook + " exited " + result.exitCode() + " after " + result.took().toSeconds() + " s (log "
                    + result.log() + "); last output:\n" + tail;
        }
    }

    Run play(String playbook, Path inventory, Map<String, String> extraVars, Duration timeout)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ansible-playbook", "-i", inventory.toString()));
        extraVars.forEach((name, value) -> command.addAll(List.of("-e", name + "=" + value)));
        command.add(playbook);
        Path log = logDir.resolve(String.format("%02d-%s.log", ++runs, playbook.replace(".yml", "")));
        Map<String, String> environment = Map.of(
                "ANSIBLE_CONFIG", ansibleDir.resolve("ansible.cfg").toString(),
                "ANSIBLE_NOCOLOR", "1",
                "ANSIBLE_FORCE_COLOR", "0",
                "ANSIBLE_LOCAL_TEMP", tempDir.resolve("local").toString(),
                "ANSIBLE_REMOTE_TEMP", tempDir.resolve("remote").toString(),
                "PYTHONUNBUFFERED", "1",
                // per-task times at the end of each log; only a warning where ansible.posix is missing
                "ANSIBLE_CALLBACKS_ENABLED", "ansible.posix.profile_tasks");
        return new Run(playbook, Commands.run(command, ansibleDir, environment, log, timeout));
    }
}
