package dev.raftkv.client;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a scan: at most {@code limit} pairs in key order.
 *
 * @param pairs the pairs of this page, in unsigned byte order of their keys
 * @param more whether more keys of the range follow this page
 * @param range the range this page was read from
 */
public record ScanPage(List<KeyValue> pairs, boolean more, ScanRange range) {

    public ScanPage {
        pairs = List.copyOf(pairs);
        Objects.requireNonNull(range, "range");
    }

    /** The range that continues after this page, or empty when this was the last page. */
    public Optional<ScanRange> next() {
        if (!more || pairs.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(range.after(pairs.get(pairs.size() - 1).key()));
    }
}
