package dev.raftkv.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Debian's etcdctl (package etcd-client, 3.4) against a three-node raftkv cluster, unchanged. */
class EtcdctlTest {

    private static EtcdCluster etcd;

    @BeforeAll
    static void start() {
        etcd = new EtcdCluster(16);
    }

    @AfterAll
    static void stop() {
        etcd.close();
    }

    private static String withInput(String stdin, String... args) {
        EtcdCluster.Run run = etcd.etcdctl(stdin, args);
        assertThat(run.exit()).as("etcdctl %s: %s", String.join(" ", args), run.err()).isZero();
        return run.out();
    }

    private static String ok(String... args) {
        return withInput("", args);
    }

    private static long revision(String json) {
        Matcher m = Pattern.compile("\"revision\":(\\d+)").matcher(json);
        assertThat(m.find()).as(json).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void put_get_and_delete_print_what_they_print_against_etcd() {
        assertThat(ok("put", "greeting", "hello")).isEqualTo("OK\n");
        assertThat(ok("get", "greeting")).isEqualTo("greeting\nhello\n");
        assertThat(ok("get", "--consistency=s", "greeting")).isEqualTo("greeting\nhello\n");
        assertThat(ok("put", "greeting", "again", "--prev-kv")).isEqualTo("OK\ngreeting\nhello\n");
        assertThat(ok("del", "greeting")).isEqualTo("1\n");
        assertThat(ok("get", "greeting")).isEmpty();
    }

    @Test
    void prefix_keys_only_limit_and_prefix_delete() {
        for (String key : new String[] {"dir/b", "dir/a", "dir/c", "dirx"}) {
            ok("put", key, "v-" + key);
        }

        assertThat(ok("get", "dir/", "--prefix", "--keys-only")).isEqualTo("dir/a\n\ndir/b\n\ndir/c\n\n");
        assertThat(ok("get", "dir/", "--prefix", "--limit=2")).isEqualTo("dir/a\nv-dir/a\ndir/b\nv-dir/b\n");
        assertThat(ok("get", "dir/", "--prefix", "--keys-only", "--limit=1", "-w", "json"))
                .contains("\"count\":3").contains("\"more\":true");
        assertThat(ok("get", "dir/", "--prefix", "--sort-by=KEY", "--order=DESCEND", "--keys-only"))
                .isEqualTo("dir/c\n\ndir/b\n\ndir/a\n\n");
        assertThat(ok("del", "dir/", "--prefix")).isEqualTo("3\n");
        assertThat(ok("get", "dirx")).isEqualTo("dirx\nv-dirx\n");
    }

    @Test
    void reads_at_a_past_revision_and_compaction() {
        long first = revision(ok("put", "history", "v1", "-w", "json"));
        ok("put", "history", "v2");
        long third = revision(ok("put", "history", "v3", "-w", "json"));

        assertThat(ok("get", "history", "--rev=" + first)).isEqualTo("history\nv1\n");
        assertThat(ok("get", "history", "-w", "json")).contains("\"version\":3");
        assertThat(ok("compaction", Long.toString(third))).isEqualTo("compacted revision " + third + "\n");
        EtcdCluster.Run compacted = etcd.etcdctl("", "get", "history", "--rev=" + first);
        assertThat(compacted.exit()).isNotZero();
        assertThat(compacted.err()).contains("etcdserver: mvcc: required revision has been compacted");
        assertThat(ok("get", "history", "--rev=" + third)).isEqualTo("history\nv3\n");
    }

    @Test
    void txn_from_stdin_takes_the_branch_its_compare_chooses() {
        ok("put", "lock", "free");
        String txn = "value(\"lock\") = \"free\"\n\nput lock taken\nput owner me\n\nget lock\n\n";

        assertThat(withInput(txn, "txn")).isEqualTo("SUCCESS\n\nOK\n\nOK\n");
        assertThat(withInput(txn, "txn")).isEqualTo("FAILURE\n\nlock\ntaken\n");
        assertThat(ok("get", "owner")).isEqualTo("owner\nme\n");
    }

    @Test
    void member_list_and_endpoint_status_show_the_raft_cluster() {
        String members = ok("member", "list");
        String status = ok("endpoint", "status");

        assertThat(members.lines()).hasSize(3).allMatch(line -> line.contains(", started, n"));
        for (String id : etcd.cluster.ids()) {
            assertThat(members).contains(", " + id + ", http://" + etcd.cluster.peerAddress(id)
                    + ", http://" + etcd.cluster.clientAddress(id) + ", false");
        }
        assertThat(status.lines()).hasSize(3).allMatch(line -> line.contains(", 3.4.0, "));
    }

    @Test
    void refusals_carry_etcds_messages() {
        EtcdCluster.Run lease = etcd.etcdctl("", "put", "leased", "v", "--lease=1234");
        EtcdCluster.Run future = etcd.etcdctl("", "get", "anything", "--rev=100000000");

        assertThat(lease.err()).contains("etcdserver: requested lease not found");
        assertThat(future.err()).contains("etcdserver: mvcc: required revision is a future revision");
    }
}
