package dev.raftkv.server;

import dev.raftkv.proto.CommandResult;

/** A command's outcome: the state machine's result and the log index it was applied at. */
public record Applied(CommandResult result, long index) {
}
