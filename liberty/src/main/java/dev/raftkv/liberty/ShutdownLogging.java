package dev.raftkv.liberty;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.util.logging.LogManager;

/**
 * Keeps java.util.logging (which {@link System.Logger} writes to) working while the JVM exits.
 *
 * <p>On SIGTERM the JVM runs its shutdown hooks at the same time: Liberty's, which stops the
 * application (and with it the node: hand-over, drain, close), and java.util.logging's own, which
 * calls {@link LogManager#reset()} and so removes every handler, Liberty's bridge into
 * {@code messages.log} among them. Whatever the node logs while it stops is then lost: a leader
 * stopped with SIGTERM logged neither its stop nor its hand-over (Liberty's own messages, which do
 * not go through java.util.logging, still appeared). Liberty's log manager
 * ({@code com.ibm.ws.kernel.boot.logging.WsLogManager}) skips {@code reset()} after
 * {@code disableReset()}; the node's lifecycle calls it while the node runs and
 * {@code enableReset()} after its last line. Under any other log manager nothing changes.
 *
 * <p>Called from the application's start and stop threads; the log manager is JVM-wide.
 */
final class ShutdownLogging {

    private static final Logger LOG = System.getLogger(ShutdownLogging.class.getName());

    private ShutdownLogging() {
    }

    /** Asks {@code manager} not to reset at exit; whether it supports that. */
    static boolean keepHandlersAtExit(LogManager manager) {
        return call(manager, "disableReset");
    }

    /** Undoes {@link #keepHandlersAtExit}, once the node logged its last line. */
    static void restoreResetAtExit(LogManager manager) {
        call(manager, "enableReset");
    }

    private static boolean call(LogManager manager, String name) {
        Method method;
        try {
            method = manager.getClass().getMethod(name);
        } catch (NoSuchMethodException e) {
            return false; // not Liberty's log manager: nothing to do
        }
        try {
            method.invoke(manager);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.WARNING, "raftkv: cannot call " + manager.getClass().getName() + "." + name
                    + "(); what the node logs while the JVM exits may be lost: " + e);
            return false;
        }
    }
}
