package dev.raftkv.ansible;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.ansible.TestHosts.Host;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Bad inventories stop site.yml before anything is installed, with a message saying what to fix. */
class InventoryValidationIT {

    private final Path work = Prerequisites.workDir().resolve("validation");

    @Test
    void when_the_admin_password_is_missing_then_site_yml_refuses_to_deploy() throws Exception {
        Prerequisites.requireTools("ansible-playbook");
        TestHosts hosts = new TestHosts(work, null);
        Path inventory = hosts.writeInventory("no-password.yml", TestHosts.ALL.subList(0, 3), Set.of(),
                work.resolve("no-such-package.zip"), List.of());

        Ansible.Run run = new Ansible(Prerequisites.ansibleDir(), work).play("site.yml", inventory, Map.of(),
                TestHosts.timeout(5));

        assertThat(run.ok()).as(run.describe()).isFalse();
        assertThat(run.result().output()).contains("supply raftkv_admin_password").contains("Vault");
        assertThat(work.resolve("hosts")).doesNotExist();
    }

    @Test
    void when_two_hosts_share_a_node_id_then_site_yml_refuses_to_deploy() throws Exception {
        Prerequisites.requireTools("ansible-playbook");
        TestHosts hosts = new TestHosts(work, "a-password");
        List<Host> clash = List.of(TestHosts.ALL.get(0), new Host("node2", "n1", "127.0.0.3"));
        Path inventory = hosts.writeInventory("duplicate-id.yml", clash, Set.of(), work.resolve("no-such-package.zip"),
                List.of());

        Ansible.Run run = new Ansible(Prerequisites.ansibleDir(), work).play("site.yml", inventory, Map.of(),
                TestHosts.timeout(5));

        assertThat(run.ok()).as(run.describe()).isFalse();
        assertThat(run.result().output()).contains("distinct raftkv_node_id");
        assertThat(work.resolve("hosts")).doesNotExist();
    }

    @Test
    void when_the_service_manager_is_unknown_then_site_yml_names_the_setting() throws Exception {
        Prerequisites.requireTools("ansible-playbook");
        TestHosts hosts = new TestHosts(work, "a-password");
        Path inventory = hosts.writeInventory("bad-manager.yml", TestHosts.ALL.subList(0, 3), Set.of(),
                work.resolve("no-such-package.zip"), List.of("raftkv_service_manager: upstart"));

        Ansible.Run run = new Ansible(Prerequisites.ansibleDir(), work).play("site.yml", inventory, Map.of(),
                TestHosts.timeout(5));

        assertThat(run.ok()).as(run.describe()).isFalse();
        assertThat(run.result().output()).contains("raftkv_service_manager must be systemd or process");
    }
}
