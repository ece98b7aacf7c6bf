package dev.raftkv.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * etcd's uint64 member and cluster ids, derived from raftkv's string ids: the first eight
 * bytes of the SHA-256 of the id, never 0 (etcd reads 0 as "no member"). Stable: the same
 * raftkv id gives the same etcd id on every node and across restarts; the member's name in
 * etcd's answers is the raftkv id, so both show.
 */
final class EtcdIds {

    private EtcdIds() {}

    static long of(String raftkvId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(raftkvId.getBytes(StandardCharsets.UTF_8));
            long id = ByteBuffer.wrap(digest).getLong();
            return id == 0 ? 1 : id;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
