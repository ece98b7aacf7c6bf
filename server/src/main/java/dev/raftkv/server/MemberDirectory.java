package dev.raftkv.server;

import dev.raftkv.proto.ConfState;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where every member can be reached: the addresses configured at start
 * ({@code raftkv.members}), those the cluster answered a join with, and those the
 * configuration in the log carries — later sources override earlier ones.
 *
 * <p>Threading: the event loop changes it ({@link #configurationChanged},
 * {@link #learnedFromJoin}); any thread reads.
 */
final class MemberDirectory {

    private static final Logger LOG = System.getLogger(MemberDirectory.class.getName());

    private final String selfId;
    private final Map<String, Member> configured;
    private volatile Map<String, Member> fromConfiguration = Map.of();
    private volatile Map<String, Member> fromJoin = Map.of();

    MemberDirectory(NodeConfig config) {
        this.selfId = config.nodeId();
        this.configured = config.members();
    }

    /** The configuration in force is now {@code conf}. */
    void configurationChanged(ConfState conf) {
        fromConfiguration = addresses(conf);
    }

    /** The cluster answered this node's join with configuration {@code conf}. */
    Map<String, Member> learnedFromJoin(ConfState conf) {
        Map<String, Member> learned = new LinkedHashMap<>(fromJoin);
        learned.putAll(carried(conf));
        learned.remove(selfId);
        fromJoin = learned;
        return learned;
    }

    /** The members of the configuration in force, with their addresses where known. */
    Map<String, Member> members() {
        return fromConfiguration;
    }

    /**
     * Every node this one may need to talk to: the configured members (a joining node
     * answers a leader it knows only from there), those learned at join, and the members
     * of the configuration.
     */
    Map<String, Member> reachable() {
        Map<String, Member> all = new LinkedHashMap<>(configured);
        all.putAll(fromJoin);
        all.putAll(fromConfiguration);
        return all;
    }

    /** Every address this node knows, for the configuration a membership change writes. */
    List<dev.raftkv.proto.Member> knownAddresses() {
        List<dev.raftkv.proto.Member> known = new ArrayList<>();
        for (Member m : reachable().values()) {
            dev.raftkv.proto.Member.Builder member = dev.raftkv.proto.Member.newBuilder().setId(m.id())
                    .setPeerAddress(m.peerAddress());
            if (m.clientAddress() != null) {
                member.setClientAddress(m.clientAddress());
            }
            known.add(member.build());
        }
        return known;
    }

    static boolean lists(ConfState conf, String id) {
        return conf.getVotersList().contains(id) || conf.getLearnersList().contains(id);
    }

    /** Addresses of the members of {@code conf} (this node included): those it carries, else the configured ones. */
    Map<String, Member> addresses(ConfState conf) {
        Map<String, Member> carried = carried(conf);
        Map<String, Member> result = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>(conf.getVotersList());
        ids.addAll(conf.getLearnersList());
        if (!ids.contains(selfId)) {
            ids.add(selfId);
        }
        for (String id : ids) {
            Member member = carried.getOrDefault(id, configured.get(id));
            if (member != null) {
                result.put(id, member);
            } else {
                LOG.log(Level.WARNING, "node " + selfId + ": no address known for member " + id);
            }
        }
        return result;
    }

    private Map<String, Member> carried(ConfState conf) {
        Map<String, Member> carried = new HashMap<>();
        for (dev.raftkv.proto.Member m : conf.getMembersList()) {
            try {
                carried.put(m.getId(), Member.of(m.getId(), m.getPeerAddress(), m.getClientAddress()));
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "node " + selfId + ": the configuration carries a bad address: "
                        + e.getMessage());
            }
        }
        return carried;
    }
}
