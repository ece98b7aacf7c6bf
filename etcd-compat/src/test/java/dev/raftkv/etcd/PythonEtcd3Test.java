package dev.raftkv.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** python etcd3 (Debian's python3-etcd3, on Debian's /usr/bin/python3) against a three-node raftkv cluster. */
class PythonEtcd3Test {

    @Test
    void the_python_client_puts_gets_deletes_transacts_and_reads_status() throws IOException {
        Path script = Files.createTempFile("etcd3_client_check", ".py");
        try (InputStream in = PythonEtcd3Test.class.getResourceAsStream("/etcd3_client_check.py")) {
            Files.write(script, in.readAllBytes());
        }
        try (EtcdCluster etcd = new EtcdCluster(17)) {
            String[] hostPort = etcd.cluster.clientAddress(etcd.cluster.ids().get(1)).split(":");

            EtcdCluster.Run run = EtcdCluster.run(List.of("/usr/bin/python3", script.toString(), hostPort[0],
                    hostPort[1]), "");

            assertThat(run.exit()).as("stdout:%n%s%nstderr:%n%s", run.out(), run.err()).isZero();
            assertThat(run.out().lines()).hasSize(9).allMatch(line -> line.startsWith("ok "));
        } finally {
            Files.delete(script);
        }
    }
}
