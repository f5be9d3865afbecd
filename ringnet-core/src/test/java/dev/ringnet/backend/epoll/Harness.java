package dev.ringnet.backend.epoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.backend.Backend.SocketType;
import dev.ringnet.backend.Completer;
import dev.ringnet.backend.Op;
import dev.ringnet.backend.OpTable;
import dev.ringnet.io.IoHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;

/**
 * Drives an {@link EpollBackend} through a real {@link OpTable} on the test thread, which is the loop
 * thread: tasks the table posts (cross-thread cancels) run before each poll. Every op completes into
 * a {@link Result} that counts its deliveries.
 */
final class Harness implements AutoCloseable {
    static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    static final Duration WAIT = Duration.ofSeconds(10);

    final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    final OpTable table;
    final EpollBackend backend;

    /** What one op ended with, and how many times it was delivered (must end at 1). */
    static final class Result {
        long id;
        int calls;
        int value;
        SocketAddress address;
        IOException error;

        boolean done() {
            return calls > 0;
        }

        @Override
        public String toString() {
            return "Result[calls=" + calls + ", value=" + value + ", address=" + address + ", error=" + error + "]";
        }
    }

    /** Records every completion into the Result attachment. */
    static final Completer RECORD = (owner, result, address, error, handler, attachment) -> {
        Result r = (Result) attachment;
        r.calls++;
        r.value = result;
        r.address = address;
        r.error = error;
    };

    private final Thread owner = Thread.currentThread();

    Harness() throws IOException {
        EpollBackend[] holder = new EpollBackend[1];
        table = new OpTable(task -> {
            tasks.add(task);
            EpollBackend b = holder[0];
            if (b != null) {
                b.wakeup();
            }
        }, () -> owner);
        backend = new EpollBackend(table);
        holder[0] = backend;
        table.attach(backend);
    }

    /** Submits an op whose completion is recorded. */
    Result submit(byte kind, int handle, ByteBuffer buffer, SocketAddress address) {
        Result r = new Result();
        Op op = table.acquire(kind, handle, null, r);
        op.buffer = buffer;
        op.address = address;
        table.delivery(op, RECORD, null);
        r.id = table.submit(op);
        return r;
    }

    /** Submits a byte-count op completing into a plain {@link IoHandler} (the allocation-free form). */
    <A> long submit(byte kind, int handle, ByteBuffer buffer, IoHandler<A> handler, A attachment) {
        Op op = table.acquire(kind, handle, handler, attachment);
        op.buffer = buffer;
        return table.submit(op);
    }

    /** Runs posted tasks, then one poll. */
    int poll(Duration timeout) throws IOException {
        for (Runnable t = tasks.poll(); t != null; t = tasks.poll()) {
            t.run();
        }
        return backend.poll(timeout.toNanos());
    }

    /** Polls until {@code condition} holds; fails after {@link #WAIT}. */
    void until(BooleanSupplier condition, String what) throws IOException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            poll(Duration.ofMillis(100));
        }
    }

    /** Polls until {@code r} is delivered, then returns it. */
    Result await(Result r) throws IOException {
        until(r::done, "the op completes");
        return r;
    }

    /** A listener bound to 127.0.0.1 on a free port. */
    int listener() throws IOException {
        int l = backend.open(SocketType.LISTENER, null);
        backend.bind(l, LOOPBACK, 16);
        return l;
    }

    /** A connected pair {client, server}, both on this backend. */
    int[] pair() throws IOException {
        int l = listener();
        try {
            Result accepted = submit(Op.ACCEPT, l, null, null);
            int client = backend.open(SocketType.STREAM, null);
            Result connected = submit(Op.CONNECT, client, null, backend.localAddress(l));
            await(connected);
            await(accepted);
            assertThat(connected.error).as("connect").isNull();
            assertThat(connected.value).isZero();
            assertThat(accepted.error).as("accept").isNull();
            return new int[] {client, accepted.value};
        } finally {
            backend.close(l);
        }
    }

    @Override
    public void close() {
        backend.close();
    }
}
