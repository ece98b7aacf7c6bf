package dev.raftkv.kv;

import static dev.raftkv.kv.Commands.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.CommandResult.Code;
import dev.raftkv.proto.EtcdCompact;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class EtcdMvccTest {

    private KvStateMachine machine = new KvStateMachine(SessionLimits.DEFAULT, new HistoryLimits(100));
    private long index;

    private CommandResult apply(RequestOp op) {
        return machine.apply(++index, Command.newBuilder().setEtcdRequest(op.toByteString()).build());
    }

    private ResponseOp applyOk(RequestOp op) {
        CommandResult result = apply(op);
        assertThat(result.getCode()).as(result.getMessage()).isEqualTo(Code.OK);
        try {
            return ResponseOp.parseFrom(result.getEtcdResponse());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static RequestOp put(String key, String value) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value))
                .setPrevKv(true)).build();
    }

    private static RequestOp deletePrefix(String prefix) {
        return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(bytes(prefix))
                .setRangeEnd(Keys.prefixEnd(bytes(prefix))).setPrevKv(true)).build();
    }

    private RangeResponse range(RangeRequest.Builder request) {
        return machine.etcdRange(request.build());
    }

    private RangeResponse get(String key, long revision) {
        return range(RangeRequest.newBuilder().setKey(bytes(key)).setRevision(revision));
    }

    @Test
    void each_write_is_one_revision_and_keys_carry_etcds_versions() {
        applyOk(put("a", "1"));
        applyOk(put("a", "2"));
        assertThat(applyOk(put("b", "x")).getResponsePut().hasPrevKv()).isFalse();
        applyOk(deletePrefix("a"));
        ResponseOp recreated = applyOk(put("a", "3"));

        assertThat(machine.revision()).isEqualTo(6);
        assertThat(recreated.getResponsePut().hasPrevKv()).isFalse();
        assertThat(get("a", 0).getKvs(0)).isEqualTo(KeyValue.newBuilder().setKey(bytes("a")).setValue(bytes("3"))
                .setCreateRevision(6).setModRevision(6).setVersion(1).build());
        assertThat(get("a", 3).getKvs(0).getValue()).isEqualTo(bytes("2"));
        assertThat(get("a", 3).getKvs(0).getVersion()).isEqualTo(2);
        assertThat(get("a", 5).getKvsList()).isEmpty();
        assertThat(get("a", 1).getKvsList()).isEmpty();
    }

    @Test
    void a_native_put_is_a_revision_too_and_changing_nothing_is_none() {
        CommandResult put = machine.apply(++index, Commands.put("k", "v"));
        CommandResult absentDelete = machine.apply(++index, Commands.delete("nothing"));

        assertThat(put.getRevision()).isEqualTo(2);
        assertThat(absentDelete.getRevision()).isEqualTo(2);
        assertThat(get("k", 0).getKvs(0).getModRevision()).isEqualTo(2);
    }

    @Test
    void compaction_makes_older_revisions_unreadable_with_etcds_error() {
        applyOk(put("a", "1"));
        applyOk(put("a", "2"));
        applyOk(put("a", "3"));

        CommandResult compacted = machine.apply(++index, Command.newBuilder()
                .setEtcdCompact(EtcdCompact.newBuilder().setRevision(3)).build());
        CommandResult again = machine.apply(++index, Command.newBuilder()
                .setEtcdCompact(EtcdCompact.newBuilder().setRevision(3)).build());

        assertThat(compacted.getCode()).isEqualTo(Code.OK);
        assertThat(again.getCode()).isEqualTo(Code.ETCD_COMPACTED);
        assertThat(get("a", 3).getKvs(0).getValue()).isEqualTo(bytes("2"));
        assertThatThrownBy(() -> get("a", 2)).isInstanceOf(MvccException.class)
                .hasMessage("etcdserver: mvcc: required revision has been compacted");
        assertThatThrownBy(() -> get("a", 5)).isInstanceOf(MvccException.class)
                .hasMessage("etcdserver: mvcc: required revision is a future revision");
    }

    @Test
    void the_history_limit_compacts_the_oldest_revisions() {
        machine = new KvStateMachine(SessionLimits.DEFAULT, new HistoryLimits(3));
        for (int i = 0; i < 6; i++) {
            applyOk(put("k", "v" + i));
        }

        assertThat(machine.revision()).isEqualTo(7);
        assertThat(machine.compactedRevision()).isEqualTo(5);
        assertThat(get("k", 5).getKvs(0).getValue()).isEqualTo(bytes("v3"));
        assertThatThrownBy(() -> get("k", 4)).isInstanceOf(MvccException.class);
    }

    @Test
    void a_txn_runs_the_branch_its_compares_choose_and_is_one_revision() {
        applyOk(put("x", "1"));
        TxnRequest.Builder txn = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(bytes("x")).setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL).setValue(bytes("1")))
                .addCompare(Compare.newBuilder().setKey(bytes("y")).setTarget(Compare.CompareTarget.CREATE)
                        .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
                .addSuccess(put("x", "2")).addSuccess(put("y", "new"))
                .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bytes("y"))))
                .addFailure(put("failed", "yes"));

        ResponseOp first = applyOk(RequestOp.newBuilder().setRequestTxn(txn).build());
        ResponseOp second = applyOk(RequestOp.newBuilder().setRequestTxn(txn).build());

        assertThat(first.getResponseTxn().getSucceeded()).isTrue();
        assertThat(first.getResponseTxn().getResponses(2).getResponseRange().getKvs(0).getValue())
                .isEqualTo(bytes("new"));
        assertThat(second.getResponseTxn().getSucceeded()).isFalse();
        assertThat(machine.revision()).isEqualTo(4);
        assertThat(get("x", 0).getKvs(0).getModRevision()).isEqualTo(3);
        assertThat(get("y", 0).getKvs(0).getModRevision()).isEqualTo(3);
        assertThat(get("failed", 0).getKvs(0).getModRevision()).isEqualTo(4);
    }

    @Test
    void a_failing_op_in_a_txn_changes_nothing() {
        RequestOp ignoreValue = RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bytes("absent"))
                .setIgnoreValue(true)).build();
        CommandResult result = apply(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
                .addSuccess(put("a", "1")).addSuccess(ignoreValue)).build());

        assertThat(result.getCode()).isEqualTo(Code.ETCD_KEY_NOT_FOUND);
        assertThat(result.getMessage()).isEqualTo("etcdserver: key not found");
        assertThat(machine.revision()).isEqualTo(1);
        assertThat(get("a", 0).getKvsList()).isEmpty();
    }

    @Test
    void range_sorts_limits_counts_and_filters_like_etcd() {
        for (String key : new String[] {"p/c", "p/a", "p/b", "q"}) {
            applyOk(put(key, "v-" + key));
        }
        RangeRequest.Builder prefix = RangeRequest.newBuilder().setKey(bytes("p/")).setRangeEnd(bytes("p0"));

        RangeResponse limited = range(prefix.clone().setLimit(2));
        RangeResponse byModDescending = range(prefix.clone().setSortTarget(RangeRequest.SortTarget.MOD)
                .setSortOrder(RangeRequest.SortOrder.DESCEND).setKeysOnly(true));
        RangeResponse countOnly = range(prefix.clone().setCountOnly(true));
        RangeResponse all = range(RangeRequest.newBuilder().setKey(bytes("\0")).setRangeEnd(bytes("\0")));
        RangeResponse createdLater = range(prefix.clone().setMinCreateRevision(4));
        RangeResponse byCreateWithoutOrder = range(RangeRequest.newBuilder().setKey(bytes("\0")).setRangeEnd(bytes("\0"))
                .setSortTarget(RangeRequest.SortTarget.CREATE).setLimit(2));

        assertThat(limited.getKvsList()).extracting(KeyValue::getKey).containsExactly(bytes("p/a"), bytes("p/b"));
        assertThat(limited.getMore()).isTrue();
        assertThat(limited.getCount()).isEqualTo(3);
        assertThat(byModDescending.getKvsList()).extracting(KeyValue::getKey)
                .containsExactly(bytes("p/b"), bytes("p/a"), bytes("p/c"));
        assertThat(byModDescending.getKvs(0).getValue()).isEqualTo(ByteString.EMPTY);
        assertThat(countOnly.getKvsList()).isEmpty();
        assertThat(countOnly.getCount()).isEqualTo(3);
        assertThat(all.getCount()).isEqualTo(4);
        assertThat(createdLater.getKvsList()).extracting(KeyValue::getKey).containsExactly(bytes("p/b"));
        assertThat(byCreateWithoutOrder.getKvsList()).extracting(KeyValue::getKey).containsExactly(bytes("p/c"), bytes("p/a"));
        assertThat(byCreateWithoutOrder.getMore()).isTrue();
    }

    @Test
    void a_snapshot_carries_revisions_and_history_and_rewrites_byte_identical() throws IOException {
        applyOk(put("a", "1"));
        applyOk(put("b", "1"));
        applyOk(put("a", "2"));
        applyOk(deletePrefix("b"));
        machine.apply(++index, Command.newBuilder().setEtcdCompact(EtcdCompact.newBuilder().setRevision(3)).build());
        applyOk(put("c", "1"));

        ByteArrayOutputStream first = new ByteArrayOutputStream();
        machine.writeSnapshot(first);
        KvStateMachine restored = KvStateMachine.readSnapshot(new ByteArrayInputStream(first.toByteArray()),
                SessionLimits.DEFAULT, new HistoryLimits(100));
        ByteArrayOutputStream second = new ByteArrayOutputStream();
        restored.writeSnapshot(second);

        assertThat(second.toByteArray()).isEqualTo(first.toByteArray());
        assertThat(restored.revision()).isEqualTo(6);
        assertThat(restored.compactedRevision()).isEqualTo(3);
        machine = restored;
        assertThat(get("b", 3).getKvs(0).getValue()).isEqualTo(bytes("1"));
        assertThat(get("b", 5).getKvsList()).isEmpty();
        assertThat(get("a", 4).getKvs(0).getVersion()).isEqualTo(2);
        assertThatThrownBy(() -> get("a", 2)).isInstanceOf(MvccException.class);
    }
}
