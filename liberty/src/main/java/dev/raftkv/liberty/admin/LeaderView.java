package dev.raftkv.liberty.admin;

/** The answer of a leadership transfer: the member that leads now. */
public record LeaderView(String leaderId) {
}
