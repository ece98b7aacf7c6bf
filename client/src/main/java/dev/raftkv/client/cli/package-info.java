/**
 * The {@code raftkv} command line ({@link dev.raftkv.client.cli.RaftKvCli}): one picocli
 * subcommand per client operation ({@code put get delete add cas scan status}) and
 * {@code bench}, a closed-loop load generator ({@link dev.raftkv.client.cli.BenchRun}) that reports
 * throughput and HdrHistogram latency percentiles. It drives a {@link dev.raftkv.client.cli.BenchTarget}:
 * the client library here, raw gRPC stubs of raftkv and etcd in the {@code bench} module. Commands print results on standard output, problems on
 * standard error, and exit with {@link dev.raftkv.client.cli.ExitCodes}.
 */
package dev.raftkv.client.cli;
