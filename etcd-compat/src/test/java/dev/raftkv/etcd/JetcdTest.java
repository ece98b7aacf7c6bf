package dev.raftkv.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** jetcd (io.etcd:jetcd-core from Maven Central, unchanged) against a three-node raftkv cluster. */
class JetcdTest {

    private static EtcdCluster etcd;
    private static Client client;
    private static KV kv;

    @BeforeAll
    static void start() {
        etcd = new EtcdCluster(18);
        client = Client.builder().endpoints(endpoints(etcd)).build();
        kv = client.getKVClient();
    }

    static String[] endpoints(EtcdCluster etcd) {
        return etcd.cluster.ids().stream().map(id -> "http://" + etcd.cluster.clientAddress(id)).toArray(String[]::new);
    }

    @AfterAll
    static void stop() {
        client.close();
        etcd.close();
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    static <T> T await(java.util.concurrent.CompletableFuture<T> future) throws Exception {
        return future.get(20, TimeUnit.SECONDS);
    }

    @Test
    void put_get_prefix_and_delete() throws Exception {
        await(kv.put(bytes("j/a"), bytes("1")));
        await(kv.put(bytes("j/b"), bytes("2")));
        io.etcd.jetcd.kv.PutResponse replaced = await(kv.put(bytes("j/a"), bytes("one"),
                PutOption.builder().withPrevKV().build()));

        GetResponse prefix = await(kv.get(bytes("j/"), GetOption.builder().isPrefix(true).build()));

        assertThat(replaced.getPrevKv().getValue()).isEqualTo(bytes("1"));
        assertThat(prefix.getKvs()).extracting(k -> k.getKey().toString()).containsExactly("j/a", "j/b");
        assertThat(prefix.getKvs().get(0).getVersion()).isEqualTo(2);
        assertThat(prefix.getHeader().getRevision()).isEqualTo(replaced.getHeader().getRevision());
        assertThat(await(kv.delete(bytes("j/"), DeleteOption.builder().isPrefix(true).build())).getDeleted())
                .isEqualTo(2);
    }

    @Test
    void historic_reads_and_compaction() throws Exception {
        long first = await(kv.put(bytes("h"), bytes("v1"))).getHeader().getRevision();
        long second = await(kv.put(bytes("h"), bytes("v2"))).getHeader().getRevision();

        assertThat(await(kv.get(bytes("h"), GetOption.builder().withRevision(first).build())).getKvs().get(0)
                .getValue()).isEqualTo(bytes("v1"));
        await(kv.compact(second));
        assertThatThrownBy(() -> await(kv.get(bytes("h"), GetOption.builder().withRevision(first).build())))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("required revision has been compacted");
    }

    @Test
    void txn_compares_and_branches() throws Exception {
        await(kv.put(bytes("t"), bytes("0")));
        long created = await(kv.get(bytes("t"))).getKvs().get(0).getCreateRevision();

        TxnResponse taken = await(kv.txn().If(new Cmp(bytes("t"), Cmp.Op.EQUAL, CmpTarget.value(bytes("0"))),
                        new Cmp(bytes("t"), Cmp.Op.EQUAL, CmpTarget.createRevision(created)))
                .Then(Op.put(bytes("t"), bytes("1"), PutOption.DEFAULT), Op.get(bytes("t"), GetOption.DEFAULT))
                .Else(Op.put(bytes("t-failed"), bytes("x"), PutOption.DEFAULT)).commit());
        TxnResponse notTaken = await(kv.txn().If(new Cmp(bytes("t"), Cmp.Op.LESS, CmpTarget.version(2)))
                .Then(Op.put(bytes("t"), bytes("2"), PutOption.DEFAULT))
                .Else(Op.get(bytes("t"), GetOption.DEFAULT)).commit());

        assertThat(taken.isSucceeded()).isTrue();
        assertThat(taken.getGetResponses().get(0).getKvs().get(0).getValue()).isEqualTo(bytes("1"));
        assertThat(notTaken.isSucceeded()).isFalse();
        assertThat(notTaken.getGetResponses().get(0).getKvs().get(0).getVersion()).isEqualTo(2);
    }

    @Test
    void cluster_and_maintenance() throws Exception {
        List<Member> members = await(client.getClusterClient().listMember()).getMembers();
        StatusResponse status = await(client.getMaintenanceClient().statusMember(endpoints(etcd)[0]));

        assertThat(members).extracting(Member::getName).containsExactlyInAnyOrderElementsOf(etcd.cluster.ids());
        assertThat(members).allMatch(m -> !m.isLearner() && m.getId() != 0);
        assertThat(status.getVersion()).isEqualTo("3.4.0");
        assertThat(members).extracting(Member::getId).contains(status.getLeader());
    }
}
