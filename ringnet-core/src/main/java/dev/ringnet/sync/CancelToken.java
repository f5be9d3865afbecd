package dev.ringnet.sync;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * A one-shot cancellation signal with a reason, shared between whoever decides to stop and the
 * code that should stop.
 *
 * <pre>{@code
 * CancelToken token = new CancelToken();
 * CancelToken.Registration reg = token.onCancel(reason -> socketTask.cancel());
 * ...
 * token.throwIfCancelled();            // in a loop of work: throws CancellationException(reason)
 * token.cancel("client went away");    // any thread; listeners run once, on this thread
 * }</pre>
 * Thread-safe. Listeners run on the thread that cancels, outside any lock; a listener registered
 * after the cancel runs at once on the registering thread; a listener that throws does not stop
 * the others (the first failure is rethrown by {@link #cancel} after all ran).
 */
public final class CancelToken {
    /** A token not cancelled yet. */
    public CancelToken() {
    }

    private final TinyLock lock = new TinyLock();
    private LinkedHashSet<Consumer<? super String>> listeners = new LinkedHashSet<>(); // null once cancelled
    private volatile String reason;

    /**
     * Cancels with {@code reason}; only the first call counts.
     *
     * @return true if this call cancelled the token
     */
    public boolean cancel(String reason) {
        Objects.requireNonNull(reason, "reason");
        List<Consumer<? super String>> toRun;
        lock.lock();
        try {
            if (listeners == null) {
                return false;
            }
            this.reason = reason;
            toRun = new ArrayList<>(listeners);
            listeners = null;
        } finally {
            lock.unlock();
        }
        RuntimeException first = null;
        for (Consumer<? super String> l : toRun) {
            try {
                l.accept(reason);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return true;
    }

    /** True once cancelled. */
    public boolean isCancelled() {
        return reason != null;
    }

    /** The reason given to {@link #cancel}, null while not cancelled. */
    public String reason() {
        return reason;
    }

    /** Throws {@link CancellationException} with the reason if cancelled. */
    public void throwIfCancelled() {
        String r = reason;
        if (r != null) {
            throw new CancellationException(r);
        }
    }

    /**
     * Runs {@code listener} with the reason when the token is cancelled (at once if it already is).
     *
     * @return closing it unregisters the listener (harmless after it ran)
     */
    public Registration onCancel(Consumer<? super String> listener) {
        Objects.requireNonNull(listener, "listener");
        lock.lock();
        try {
            if (listeners != null) {
                listeners.add(listener);
                return () -> {
                    lock.lock();
                    try {
                        if (listeners != null) {
                            listeners.remove(listener);
                        }
                    } finally {
                        lock.unlock();
                    }
                };
            }
        } finally {
            lock.unlock();
        }
        listener.accept(reason);
        return () -> {};
    }

    /** A listener's registration; {@link #close()} unregisters it and throws nothing. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    int listenerCount() {
        lock.lock();
        try {
            return listeners == null ? 0 : listeners.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        String r = reason;
        return r == null ? "CancelToken[active]" : "CancelToken[cancelled: " + r + "]";
    }
}
