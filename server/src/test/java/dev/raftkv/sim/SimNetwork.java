package dev.raftkv.sim;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * An unreliable network between simulated endpoints: it delays every message
 * (sometimes by a lot, which reorders), loses and duplicates some, and cuts links in
 * one or both directions. Clients are never partitioned from nodes, only delayed and
 * dropped.
 */
final class SimNetwork {

    /** The network's behaviour; all delays in simulated milliseconds. */
    record Conditions(double lossRate, double duplicateRate, int minDelayMillis, int maxDelayMillis,
                      double slowRate, int slowDelayMillis) {

        static final Conditions CALM = new Conditions(0, 0, 1, 3, 0, 0);
    }

    private final EventQueue queue;
    private final SplittableRandom random;
    private final Set<String> cutLinks = new HashSet<>();
    private Conditions conditions = Conditions.CALM;
    /** Steered fault: this share of answers to (pre-)vote requests is held back by a delay from the range below. */
    private double voteAnswerDelayRate;
    private int voteAnswerDelayMinMillis;
    private int voteAnswerDelayMaxMillis;
    private long delivered;
    private long dropped;

    SimNetwork(EventQueue queue, SplittableRandom random) {
        this.queue = queue;
        this.random = random;
    }

    void setConditions(Conditions conditions) {
        this.conditions = conditions;
    }

    /**
     * Holds back a share {@code rate} of the answers to vote and pre-vote requests by
     * {@code minMillis..maxMillis}, steering runs toward votes that arrive after the
     * candidate's election timeout fired again (a new round, a higher term, a split
     * vote) instead of waiting for random delays to line up. Rate 0 turns it off.
     */
    void delayVoteAnswers(double rate, int minMillis, int maxMillis) {
        this.voteAnswerDelayRate = rate;
        this.voteAnswerDelayMinMillis = minMillis;
        this.voteAnswerDelayMaxMillis = maxMillis;
    }

    private boolean isVoteAnswer(Object payload) {
        return payload instanceof dev.raftkv.proto.Message m
                && (m.getType() == dev.raftkv.proto.MessageType.MSG_VOTE_RESPONSE
                || m.getType() == dev.raftkv.proto.MessageType.MSG_PRE_VOTE_RESPONSE);
    }

    /** Cuts the link from {@code from} to {@code to} (one direction). */
    void cut(String from, String to) {
        cutLinks.add(from + ">" + to);
    }

    void cutBothWays(String a, String b) {
        cut(a, b);
        cut(b, a);
    }

    /** Cuts every link between the two groups, both ways. */
    void partition(List<String> side, List<String> otherSide) {
        for (String a : side) {
            for (String b : otherSide) {
                cutBothWays(a, b);
            }
        }
    }

    void healAll() {
        cutLinks.clear();
    }

    boolean isCut(String from, String to) {
        return cutLinks.contains(from + ">" + to);
    }

    long delivered() {
        return delivered;
    }

    long dropped() {
        return dropped;
    }

    /** Whether a message a crashed sender had in flight is lost (its buffers died with it). */
    boolean loseInFlightOfCrashedSender() {
        return random.nextBoolean();
    }

    /** Sends {@code payload}; {@code deliver} runs at the receiver's time of arrival (zero, one or two times). */
    <T> void send(String from, String to, T payload, Consumer<T> deliver) {
        if (isCut(from, to) || random.nextDouble() < conditions.lossRate()) {
            dropped++;
            return;
        }
        int copies = random.nextDouble() < conditions.duplicateRate() ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = conditions.minDelayMillis()
                    + random.nextInt(conditions.maxDelayMillis() - conditions.minDelayMillis() + 1);
            if (conditions.slowDelayMillis() > 0 && random.nextDouble() < conditions.slowRate()) {
                delay += random.nextInt(conditions.slowDelayMillis());
            }
            if (voteAnswerDelayRate > 0 && isVoteAnswer(payload) && random.nextDouble() < voteAnswerDelayRate) {
                delay += voteAnswerDelayMinMillis
                        + random.nextInt(voteAnswerDelayMaxMillis - voteAnswerDelayMinMillis + 1);
            }
            queue.after(delay, () -> {
                // A partition also swallows what was already on the wire.
                if (isCut(from, to)) {
                    dropped++;
                    return;
                }
                delivered++;
                deliver.accept(payload);
            });
        }
    }
}
