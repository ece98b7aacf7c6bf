package dev.raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessCpuTest {

    @Test
    void a_running_process_has_used_cpu_time_and_a_missing_one_is_an_error() {
        long self = ProcessHandle.current().pid();
        assertThat(new ProcessCpu(List.of(self), 100).millis()).isPositive();

        long gone = Long.MAX_VALUE;
        assertThatThrownBy(() -> new ProcessCpu(List.of(self, gone), 100).millis())
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("process " + gone);
    }
}
