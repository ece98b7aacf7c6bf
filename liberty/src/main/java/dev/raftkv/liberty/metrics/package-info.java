/**
 * The node's metrics in MicroProfile Metrics' application registry, served by Liberty in Prometheus format at
 * {@code /metrics} (names {@code raftkv_*}).
 */
package dev.raftkv.liberty.metrics;
