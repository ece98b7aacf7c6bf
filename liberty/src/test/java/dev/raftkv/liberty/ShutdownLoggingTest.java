package dev.raftkv.liberty;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** java.util.logging's reset at JVM exit, under a log manager like Liberty's that can skip it, and under the JDK's. */
class ShutdownLoggingTest {

    /** Like Liberty's WsLogManager: reset() does nothing after disableReset(). */
    public static final class ResettableLogManager extends LogManager {
        private boolean resetEnabled = true;

        public void disableReset() {
            resetEnabled = false;
        }

        public void enableReset() {
            resetEnabled = true;
        }

        @Override
        public void reset() {
            if (resetEnabled) {
                super.reset();
            }
        }
    }

    @Test
    void when_the_node_runs_then_the_exit_reset_keeps_the_handlers_that_carry_its_last_lines() {
        ResettableLogManager manager = new ResettableLogManager();
        Logger root = new Logger("raftkv.shutdown-logging-test", null) { };
        root.setUseParentHandlers(false);
        assertThat(manager.addLogger(root)).isTrue();
        List<String> published = new ArrayList<>();
        root.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                published.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });

        assertThat(ShutdownLogging.keepHandlersAtExit(manager)).isTrue();
        manager.reset(); // what java.util.logging's shutdown hook does when the JVM exits
        root.info("raftkv node n1 handed leadership to n2");

        assertThat(published).containsExactly("raftkv node n1 handed leadership to n2");
        ShutdownLogging.restoreResetAtExit(manager);
        manager.reset();
        assertThat(root.getHandlers()).isEmpty();
    }

    @Test
    void under_the_jdks_log_manager_nothing_changes() {
        assertThat(ShutdownLogging.keepHandlersAtExit(new LogManager() { })).isFalse();
    }
}
