package dev.raftkv.liberty.admin;

import java.util.List;

/** The JSON of {@code GET /admin/v1/snapshots}: the node's snapshot files, newest first. */
public record SnapshotsView(List<SnapshotView> snapshots) {
}
