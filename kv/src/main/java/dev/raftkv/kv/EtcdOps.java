package dev.raftkv.kv;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.pcollections.TreePMap;

/**
 * etcd's v3 KV operations (package {@code etcdserverpb}) on a {@link KeyValueMap}, with
 * etcd's semantics: Range (single key, {@code range_end}, the {@code "\0"} forms, revision,
 * limit, sort, keys_only, count_only, min/max revisions), Put (prev_kv, ignore_value),
 * DeleteRange (prev_kv) and Txn (compares on value, version, create and mod revision;
 * nested ops). Writes run inside the caller's write transaction. Responses carry no
 * header: the server adds it. Validation of client input (empty keys, leases, duplicate
 * keys in a txn) is the server's, before anything reaches the log.
 */
final class EtcdOps {

    private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

    private EtcdOps() {}

    /** Applies a write (or read) op in the current write transaction. */
    static ResponseOp apply(KeyValueMap data, RequestOp op) {
        return switch (op.getRequestCase()) {
            case REQUEST_RANGE -> ResponseOp.newBuilder().setResponseRange(range(data, op.getRequestRange())).build();
            case REQUEST_PUT -> ResponseOp.newBuilder().setResponsePut(put(data, op.getRequestPut())).build();
            case REQUEST_DELETE_RANGE -> ResponseOp.newBuilder()
                    .setResponseDeleteRange(deleteRange(data, op.getRequestDeleteRange())).build();
            case REQUEST_TXN -> ResponseOp.newBuilder().setResponseTxn(txn(data, op.getRequestTxn())).build();
            case REQUEST_NOT_SET -> throw MvccException.invalid("etcd RequestOp with no request");
        };
    }

    /** The keys of {@code [key, rangeEnd)} as etcd reads them: an empty end is the key alone, {@code "\0"} no end. */
    static NavigableMap<ByteString, VersionedValue> select(NavigableMap<ByteString, VersionedValue> state,
            ByteString key, ByteString rangeEnd) {
        if (rangeEnd.isEmpty()) {
            VersionedValue value = state.get(key);
            return value == null ? java.util.Collections.emptyNavigableMap()
                    : TreePMap.singleton(Keys.ORDER, key, value);
        }
        if (rangeEnd.equals(ZERO)) {
            return state.tailMap(key, true);
        }
        if (Keys.ORDER.compare(key, rangeEnd) >= 0) {
            return java.util.Collections.emptyNavigableMap();
        }
        return state.subMap(key, true, rangeEnd, false);
    }

    static KeyValue kv(ByteString key, VersionedValue value, boolean keysOnly) {
        KeyValue.Builder kv = KeyValue.newBuilder().setKey(key).setCreateRevision(value.createRevision())
                .setModRevision(value.modRevision()).setVersion(value.version());
        return (keysOnly ? kv : kv.setValue(value.value())).build();
    }

    static RangeResponse range(KeyValueMap data, RangeRequest request) {
        NavigableMap<ByteString, VersionedValue> selected =
                select(data.stateAt(request.getRevision()), request.getKey(), request.getRangeEnd());
        List<Map.Entry<ByteString, VersionedValue>> found = new ArrayList<>();
        long count = 0;
        // like etcd: a sort target other than KEY without an order sorts ascending
        RangeRequest.SortOrder sortOrder = request.getSortOrder() == RangeRequest.SortOrder.NONE
                && request.getSortTarget() != RangeRequest.SortTarget.KEY
                ? RangeRequest.SortOrder.ASCEND : request.getSortOrder();
        boolean plain = request.getSortTarget() == RangeRequest.SortTarget.KEY
                && sortOrder != RangeRequest.SortOrder.DESCEND;
        for (Map.Entry<ByteString, VersionedValue> entry : selected.entrySet()) {
            count++;
            if (passes(request, entry.getValue()) && !request.getCountOnly()
                    && (!plain || request.getLimit() <= 0 || found.size() <= request.getLimit())) {
                found.add(entry);
            }
        }
        if (!plain) {
            Comparator<Map.Entry<ByteString, VersionedValue>> order = switch (request.getSortTarget()) {
                case VERSION -> Comparator.comparingLong(e -> e.getValue().version());
                case CREATE -> Comparator.comparingLong(e -> e.getValue().createRevision());
                case MOD -> Comparator.comparingLong(e -> e.getValue().modRevision());
                case VALUE -> (a, b) -> Keys.ORDER.compare(a.getValue().value(), b.getValue().value());
                default -> (a, b) -> Keys.ORDER.compare(a.getKey(), b.getKey());
            };
            found.sort(sortOrder == RangeRequest.SortOrder.DESCEND ? order.reversed() : order);
        }
        RangeResponse.Builder response = RangeResponse.newBuilder().setCount(count);
        int take = request.getLimit() > 0 ? (int) Math.min(request.getLimit(), found.size()) : found.size();
        for (int i = 0; i < take; i++) {
            response.addKvs(kv(found.get(i).getKey(), found.get(i).getValue(), request.getKeysOnly()));
        }
        return response.setMore(take < found.size()).build();
    }

    private static boolean passes(RangeRequest r, VersionedValue v) {
        return (r.getMinModRevision() <= 0 || v.modRevision() >= r.getMinModRevision())
                && (r.getMaxModRevision() <= 0 || v.modRevision() <= r.getMaxModRevision())
                && (r.getMinCreateRevision() <= 0 || v.createRevision() >= r.getMinCreateRevision())
                && (r.getMaxCreateRevision() <= 0 || v.createRevision() <= r.getMaxCreateRevision());
    }

    static PutResponse put(KeyValueMap data, PutRequest request) {
        ByteString value = request.getValue();
        if (request.getIgnoreValue()) {
            VersionedValue current = data.stateAt(0).get(request.getKey());
            if (current == null) {
                throw MvccException.keyNotFound();
            }
            value = current.value();
        }
        VersionedValue previous = data.putVersioned(request.getKey(), value);
        PutResponse.Builder response = PutResponse.newBuilder();
        if (request.getPrevKv() && previous != null) {
            response.setPrevKv(kv(request.getKey(), previous, false));
        }
        return response.build();
    }

    static DeleteRangeResponse deleteRange(KeyValueMap data, DeleteRangeRequest request) {
        List<Map.Entry<ByteString, VersionedValue>> doomed =
                new ArrayList<>(select(data.stateAt(0), request.getKey(), request.getRangeEnd()).entrySet());
        DeleteRangeResponse.Builder response = DeleteRangeResponse.newBuilder().setDeleted(doomed.size());
        for (Map.Entry<ByteString, VersionedValue> entry : doomed) {
            data.removeVersioned(entry.getKey());
            if (request.getPrevKv()) {
                response.addPrevKvs(kv(entry.getKey(), entry.getValue(), false));
            }
        }
        return response.build();
    }

    static TxnResponse txn(KeyValueMap data, TxnRequest request) {
        boolean succeeded = true;
        for (Compare compare : request.getCompareList()) {
            succeeded &= holds(data, compare);
        }
        TxnResponse.Builder response = TxnResponse.newBuilder().setSucceeded(succeeded);
        for (RequestOp op : succeeded ? request.getSuccessList() : request.getFailureList()) {
            response.addResponses(apply(data, op));
        }
        return response.build();
    }

    /** etcd's compare: every key in the range must satisfy it; no key compares as a zero KeyValue (VALUE: false). */
    static boolean holds(KeyValueMap data, Compare compare) {
        NavigableMap<ByteString, VersionedValue> selected =
                select(data.stateAt(0), compare.getKey(), compare.getRangeEnd());
        if (selected.isEmpty()) {
            return compare.getTarget() != Compare.CompareTarget.VALUE
                    && outcome(compare, compareTo(compare, new VersionedValue(ByteString.EMPTY, 0, 0, 0)));
        }
        for (VersionedValue value : selected.values()) {
            if (!outcome(compare, compareTo(compare, value))) {
                return false;
            }
        }
        return true;
    }

    private static int compareTo(Compare compare, VersionedValue value) {
        return switch (compare.getTarget()) {
            case VERSION -> Long.compare(value.version(), compare.getVersion());
            case CREATE -> Long.compare(value.createRevision(), compare.getCreateRevision());
            case MOD -> Long.compare(value.modRevision(), compare.getModRevision());
            case VALUE -> Keys.ORDER.compare(value.value(), compare.getValue());
            default -> throw MvccException.invalid("unknown compare target " + compare.getTargetValue());
        };
    }

    private static boolean outcome(Compare compare, int sign) {
        return switch (compare.getResult()) {
            case EQUAL -> sign == 0;
            case GREATER -> sign > 0;
            case LESS -> sign < 0;
            case NOT_EQUAL -> sign != 0;
            default -> throw MvccException.invalid("unknown compare result " + compare.getResultValue());
        };
    }
}
