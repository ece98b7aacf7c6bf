/**
 * The Jakarta EE application that hosts one raftkv node on Open Liberty.
 *
 * <p>{@link dev.raftkv.liberty.NodeLifecycle} starts the same {@link dev.raftkv.server.RaftServer} the plain
 * launcher runs when the application starts (threads from the container's {@code ManagedThreadFactory},
 * settings from MicroProfile Config, validated by {@link dev.raftkv.liberty.LibertyConfig}) and stops it when
 * the application stops. Peers and clients reach the node over its embedded gRPC servers on their own ports;
 * operators use the admin REST resources in {@code dev.raftkv.liberty.admin}, MicroProfile Health and Metrics.
 */
package dev.raftkv.liberty;
