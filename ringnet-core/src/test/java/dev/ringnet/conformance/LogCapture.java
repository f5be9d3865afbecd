package dev.ringnet.conformance;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Captures what ringnet logs through {@link System.Logger} while it is open, when the platform's
 * loggers are backed by {@code java.util.logging} (the JDK default). The main module does not read
 * {@code java.logging}, so the tests cannot name its types at compile time; they are reached
 * reflectively at run time, where the class path reads every module. Captured records are kept out
 * of the build log.
 */
final class LogCapture implements AutoCloseable {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Object> loggers = new ArrayList<>(); // strong references: JUL holds loggers weakly
    private final List<Boolean> useParents = new ArrayList<>();
    private Object handler;
    private Method flush;
    private Method removeHandler;
    private Method setUseParentHandlers;
    private String unavailable;

    private LogCapture() {}

    static LogCapture start(String... loggerNames) {
        LogCapture c = new LogCapture();
        try {
            Class<?> loggerClass = Class.forName("java.util.logging.Logger");
            Class<?> handlerClass = Class.forName("java.util.logging.Handler");
            Class<?> formatterClass = Class.forName("java.util.logging.Formatter");
            Object formatter = Class.forName("java.util.logging.SimpleFormatter").getConstructor().newInstance();
            c.handler = Class.forName("java.util.logging.StreamHandler")
                    .getConstructor(OutputStream.class, formatterClass)
                    .newInstance(c.out, formatter);
            c.flush = handlerClass.getMethod("flush");
            c.removeHandler = loggerClass.getMethod("removeHandler", handlerClass);
            c.setUseParentHandlers = loggerClass.getMethod("setUseParentHandlers", boolean.class);
            Method getLogger = loggerClass.getMethod("getLogger", String.class);
            Method addHandler = loggerClass.getMethod("addHandler", handlerClass);
            Method getUseParentHandlers = loggerClass.getMethod("getUseParentHandlers");
            for (String name : loggerNames) {
                Object logger = getLogger.invoke(null, name);
                addHandler.invoke(logger, c.handler);
                c.useParents.add((Boolean) getUseParentHandlers.invoke(logger));
                c.setUseParentHandlers.invoke(logger, false);
                c.loggers.add(logger);
            }
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            c.unavailable = "java.util.logging is not reachable here: " + e;
        }
        return c;
    }

    /** Null when capturing works, else why not. */
    String unavailableReason() {
        return unavailable;
    }

    /** Everything logged so far, formatted with stack traces. */
    synchronized String text() {
        if (unavailable != null) {
            return "";
        }
        try {
            flush.invoke(handler);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (unavailable != null) {
            return;
        }
        try {
            for (int i = 0; i < loggers.size(); i++) {
                removeHandler.invoke(loggers.get(i), handler);
                setUseParentHandlers.invoke(loggers.get(i), useParents.get(i));
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
