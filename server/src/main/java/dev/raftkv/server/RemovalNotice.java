package dev.raftkv.server;

import dev.raftkv.raft.Removal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether this node knows it was removed from the cluster (the core reports it:
 * {@link dev.raftkv.raft.RaftNode#removal()}), and the error every client request gets
 * then: it names the members to ask instead. Logged once when it happens, and once if a
 * newer configuration lists the node again.
 *
 * <p>Threading: {@link #update} runs on the event loop; {@link #error} on any thread.
 */
final class RemovalNotice {

    private final String nodeId;
    private final MemberDirectory directory;
    private final TransitionLog transitions;
    private volatile NodeRemovedException error;

    RemovalNotice(String nodeId, MemberDirectory directory, TransitionLog transitions) {
        this.nodeId = nodeId;
        this.directory = directory;
        this.transitions = transitions;
    }

    /** The error client requests get, or null while this node is a member. */
    NodeRemovedException error() {
        return error;
    }

    /**
     * Takes the core's current view ({@code removal}, null while a member).
     *
     * @return the error if this node has just learned it was removed, else null
     */
    NodeRemovedException update(Removal removal, long term) {
        if (removal != null && error == null) {
            Map<String, String> clients = memberClientAddresses(removal);
            boolean own = removal.toldBy().equals(nodeId);
            String why = "the configuration committed at index " + removal.configIndex() + " in term "
                    + removal.configTerm() + " does not list it" + (own ? "" : "; told by " + removal.toldBy());
            error = new NodeRemovedException(nodeId, why, clients);
            transitions.event("removed", term, "config_index=" + removal.configIndex() + " config_term="
                    + removal.configTerm() + " told_by=" + removal.toldBy() + " members=" + clients
                    + " (no campaigning or voting any more; client requests are refused)");
            return error;
        }
        if (removal == null && error != null) {
            error = null;
            transitions.event("readmitted", term, "a newer configuration lists this node again");
        }
        return null;
    }

    /** The members of the configuration that left this node out, with their client addresses (null: unknown). */
    private Map<String, String> memberClientAddresses(Removal removal) {
        Map<String, Member> known = directory.reachable();
        known.putAll(directory.addresses(removal.conf()));
        Map<String, String> clients = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>(removal.conf().getVotersList());
        ids.addAll(removal.conf().getLearnersList());
        for (String id : ids) {
            Member m = known.get(id);
            clients.put(id, m == null ? null : m.clientAddress());
        }
        return clients;
    }
}
