package dev.ringnet.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Logging that cannot take an event loop down. A logger can itself fail — the JDK's formatter opens
 * files lazily, and a process out of descriptors (EMFILE) is exactly when a server logs warnings —
 * and a loop thread that dies in its own error handling leaves every waiter hanging. These calls
 * swallow whatever the logger throws.
 */
public final class Logs {
    private Logs() {}

    /** Logs {@code message} with {@code error}; never throws. */
    public static void log(Logger logger, Level level, String message, Throwable error) {
        try {
            logger.log(level, message, error);
        } catch (Throwable loggingFailed) {
            // Nothing sensible is left to report it to.
        }
    }

    /** Logs a {@link java.text.MessageFormat} pattern with parameters; never throws. */
    public static void log(Logger logger, Level level, String format, Object... params) {
        try {
            logger.log(level, format, params);
        } catch (Throwable loggingFailed) {
            // Nothing sensible is left to report it to.
        }
    }
}
