/**
 * The side-by-side benchmark of raftkv and etcd ({@code scripts/bench-vs-etcd}): one load
 * generator, the closed loop of {@code raftkv bench} ({@link dev.raftkv.client.cli.BenchRun}),
 * drives either system over raw gRPC async stubs of its own API: etcd's {@code etcdserverpb}
 * ({@link dev.raftkv.bench.EtcdTarget}, the classes generated in jetcd's {@code jetcd-grpc}
 * artifact) and {@code raftkv.v1} as unary calls ({@link dev.raftkv.bench.RaftKvUnaryTarget}) or
 * on {@code Kv.Pipeline} streams ({@link dev.raftkv.bench.RaftKvPipelinedTarget}). Writes are
 * plain puts on both sides (raftkv's without a session, as etcd's carry none), reads are
 * linearizable on both. {@link dev.raftkv.bench.SystemRun} measures one system over the
 * workload × clients grid, with the servers' CPU time from {@code /proc}
 * ({@link dev.raftkv.bench.ProcessCpu}); {@link dev.raftkv.bench.MarkdownTable} and
 * {@link dev.raftkv.bench.ThroughputChart} render the results of several systems.
 */
package dev.raftkv.bench;
