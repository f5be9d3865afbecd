package dev.ringnet.sync;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A FIFO queue between producers and consumers that suspends them instead of blocking a thread:
 * {@code send} waits while a bounded channel is full, {@code receive} waits while it is empty.
 * Any number of producers and consumers, on any loops or threads.
 *
 * <pre>{@code
 * Channel<String> ch = Channel.bounded(16);
 * ctx.spawn(() -> { ch.send("a"); ch.close(); return null; });        // producer task
 * ctx.spawn(() -> {                                                    // consumer task
 *     for (Optional<String> m; (m = ch.receive()).isPresent(); ) handle(m.get());
 *     return null;
 * });
 * ch.receiveAsync().thenAccept(m -> m.ifPresent(...));                 // stage form
 * }</pre>
 *
 * <p><b>Closing:</b> after {@link #close()} sends fail with {@link ClosedChannelException} (so do
 * sends that were waiting for room: their elements are not delivered), while the elements already
 * in the channel can still be received; once they are drained, receive yields
 * {@code Optional.empty()} — the end-of-channel marker — at once and forever.
 *
 * <p><b>Cancellation:</b> cancelling a waiting receive (interrupt of the blocked thread, or cancel
 * of its stage) withdraws it: it takes no element, so none is lost; cancelling a waiting send
 * withdraws its element, which is then never delivered. If the element had been handed over first,
 * the cancel fails and the operation counts as done (the blocking form returns normally with its
 * interrupt status set). Elements are never lost or delivered twice.
 *
 * <p>Thread-safe: a tiny lock guards the buffer and the wait queues; stages complete outside it.
 *
 * @param <T> the element type (no nulls)
 */
public final class Channel<T> {
    private final TinyLock lock = new TinyLock();
    private final int capacity;
    private final ArrayDeque<T> buffer = new ArrayDeque<>();
    private final ArrayDeque<Waiter<Optional<T>>> receivers = new ArrayDeque<>();
    private final ArrayDeque<Send<T>> senders = new ArrayDeque<>();
    private boolean closed; // guarded by lock

    private static final class Send<T> extends Waiter<Void> {
        final T element;

        Send(TinyLock lock, ArrayDeque<Send<T>> queue, T element) {
            super(lock, queue);
            this.element = element;
        }
    }

    static {
        TinyLock.preload(Send.class, Waiter.class, ClosedChannelException.class, ArrayList.class);
    }

    private Channel(int capacity) {
        this.capacity = capacity;
    }

    /** A channel holding at most {@code capacity} elements (at least 1); sends wait while it is full. */
    public static <T> Channel<T> bounded(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        return new Channel<>(capacity);
    }

    /** A channel whose sends never wait. */
    public static <T> Channel<T> unbounded() {
        return new Channel<>(Integer.MAX_VALUE);
    }

    // ------------------------------------------------------------------ send

    /**
     * Sends {@code element}: the stage completes once it is in the channel (or in a receiver's
     * hands), or fails with {@link ClosedChannelException} if the channel is or gets closed first.
     * Never blocks.
     */
    public CompletionStage<Void> sendAsync(T element) {
        return sendFuture(element);
    }

    private CompletableFuture<Void> sendFuture(T element) {
        Objects.requireNonNull(element, "element");
        Waiter<Optional<T>> receiver;
        lock.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new ClosedChannelException());
            }
            receiver = receivers.poll();
            if (receiver != null) {
                receiver.claim(); // someone waits: the buffer is empty, hand over directly
            } else if (buffer.size() < capacity) {
                buffer.add(element);
                return CompletableFuture.completedFuture(null);
            } else {
                return new Send<>(lock, senders, element).enqueue();
            }
        } finally {
            lock.unlock();
        }
        receiver.grant(Optional.of(element));
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Blocking form: parks the caller while the channel is full. For tasks (virtual threads),
     * never on a loop thread.
     *
     * @throws ClosedChannelException if the channel is or gets closed before the element is in
     */
    public void send(T element) throws InterruptedException, ClosedChannelException {
        try {
            Waiter.await(sendFuture(element));
        } catch (CompletionException e) {
            if (e.getCause() instanceof ClosedChannelException closed) {
                throw closed;
            }
            throw e;
        }
    }

    /** Callback form: {@code then} runs through {@code executor} (e.g. the loop) with null or the error. */
    public void send(T element, Executor executor, Consumer<? super Throwable> then) {
        Waiter.callback(sendFuture(element), executor, (v, e) -> then.accept(e), null);
    }

    /** Puts {@code element} in if there is room now (or a receiver waits); never suspends. */
    public boolean trySend(T element) {
        Objects.requireNonNull(element, "element");
        Waiter<Optional<T>> receiver;
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            receiver = receivers.poll();
            if (receiver == null) {
                if (buffer.size() >= capacity) {
                    return false;
                }
                buffer.add(element);
                return true;
            }
            receiver.claim();
        } finally {
            lock.unlock();
        }
        receiver.grant(Optional.of(element));
        return true;
    }

    // ------------------------------------------------------------------ receive

    /**
     * Receives the next element: the stage completes with it, or with {@code Optional.empty()} once
     * the channel is closed and drained. Never blocks.
     */
    public CompletionStage<Optional<T>> receiveAsync() {
        return receiveFuture();
    }

    private CompletableFuture<Optional<T>> receiveFuture() {
        return take(true);
    }

    /**
     * The next element, or empty if closed and drained; if neither and {@code mayWait}, a queued
     * waiter, else null.
     */
    private CompletableFuture<Optional<T>> take(boolean mayWait) {
        Send<T> unblocked;
        Optional<T> result;
        lock.lock();
        try {
            T element = buffer.poll();
            if (element == null) {
                if (closed) {
                    return CompletableFuture.completedFuture(Optional.empty());
                }
                return mayWait ? new Waiter<Optional<T>>(lock, receivers).enqueue() : null;
            }
            result = Optional.of(element);
            unblocked = senders.poll(); // room now: the longest waiting sender's element goes in
            if (unblocked != null) {
                unblocked.claim();
                buffer.add(unblocked.element);
            }
        } finally {
            lock.unlock();
        }
        if (unblocked != null) {
            unblocked.grant(null);
        }
        return CompletableFuture.completedFuture(result);
    }

    /**
     * Blocking form: parks the caller while the channel is empty. For tasks (virtual threads),
     * never on a loop thread.
     *
     * @return the element, or {@code Optional.empty()} once the channel is closed and drained
     */
    public Optional<T> receive() throws InterruptedException {
        return Waiter.await(receiveFuture());
    }

    /**
     * Callback form: {@code then} runs through {@code executor} (e.g. the loop) with the element (or
     * empty at the end) and null, or with null and the error if the executor refused the callback —
     * the element is then lost to this receiver, so use the callback form only with a live loop.
     */
    public void receive(Executor executor, BiConsumer<? super Optional<T>, ? super Throwable> then) {
        Waiter.callback(receiveFuture(), executor, then, null);
    }

    /** The next element if one is there now, empty if none (closed or not: see {@link #isClosed()}). */
    public Optional<T> tryReceive() {
        CompletableFuture<Optional<T>> now = take(false);
        return now == null ? Optional.empty() : now.join();
    }

    // ------------------------------------------------------------------ closing

    /**
     * Closes the channel: later sends fail, waiting sends fail with {@link ClosedChannelException},
     * waiting receivers get {@code Optional.empty()} (there is nothing buffered when they wait), and
     * buffered elements remain receivable. Idempotent.
     *
     * @return true if this call closed it
     */
    public boolean close() {
        List<Waiter<Optional<T>>> ended;
        List<Send<T>> refused;
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            closed = true;
            ended = drain(receivers);
            refused = drain(senders);
        } finally {
            lock.unlock();
        }
        for (Waiter<Optional<T>> r : ended) {
            r.grant(Optional.empty());
        }
        for (Send<T> s : refused) {
            s.refuse(new ClosedChannelException());
        }
        return true;
    }

    private static <W extends Waiter<?>> List<W> drain(ArrayDeque<W> queue) {
        List<W> all = new ArrayList<>(queue);
        queue.clear();
        for (W w : all) {
            w.claim();
        }
        return all;
    }

    /** True after {@link #close()}. */
    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Elements in the channel now (a snapshot), not counting waiting senders'. */
    public int size() {
        lock.lock();
        try {
            return buffer.size();
        } finally {
            lock.unlock();
        }
    }

    /** The capacity, {@link Integer#MAX_VALUE} if unbounded. */
    public int capacity() {
        return capacity;
    }

    /** Waiting receivers and senders (a snapshot), for tests and diagnostics. */
    int waiters() {
        lock.lock();
        try {
            return receivers.size() + senders.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "Channel[size=" + buffer.size() + (capacity == Integer.MAX_VALUE ? "" : "/" + capacity)
                    + (closed ? ", closed" : "") + "]";
        } finally {
            lock.unlock();
        }
    }
}
