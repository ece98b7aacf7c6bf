/**
 * MicroProfile Health checks: liveness ({@code /health/live}: the node's event loop runs and its data directory is
 * writable) and readiness ({@code /health/ready}: the node is a member, has caught up since it joined, knows a leader and
 * has applied nearly all it knows to be committed).
 */
package dev.raftkv.liberty.health;
