package dev.ringnet.cli;

import dev.ringnet.loop.IoContext;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running echo server: an {@link IoContext} serving {@link TcpEcho} or {@link UdpEcho} on its
 * own loop thread, with the bound address, and a {@link #close()} that is safe from any thread.
 *
 * <pre>{@code
 * try (EchoServer server = EchoServer.start(new InetSocketAddress("127.0.0.1", 0), Transport.TCP, "auto", System.err)) {
 *     connectTo(server.address());
 * }                                                    // loop stopped, sockets closed, thread ended
 * }</pre>
 */
final class EchoServer implements AutoCloseable {
    /** What is echoed. */
    enum Transport {
        TCP, UDP;

        /** {@code tcp} or {@code udp}. */
        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final IoContext ctx;
    private final InetSocketAddress address;
    private final Transport transport;
    private final Thread loopThread;
    private final CountDownLatch looping = new CountDownLatch(1);
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private volatile Throwable failure;

    private EchoServer(IoContext ctx, InetSocketAddress address, Transport transport) {
        this.ctx = ctx;
        this.address = address;
        this.transport = transport;
        this.loopThread = Thread.ofPlatform().name("ringnet-echo-loop").unstarted(this::loop);
    }

    /**
     * Creates a context on {@code backend}, binds {@code local}, and starts serving on a new loop
     * thread. Returns once the loop runs.
     *
     * @param log where the service reports failures it recovers from
     * @throws IOException if the backend is unavailable (its message says why) or binding failed
     *                     (the message names the address)
     * @throws IllegalArgumentException if the backend name is unknown
     */
    static EchoServer start(InetSocketAddress local, Transport transport, String backend, PrintStream log)
            throws IOException {
        IoContext ctx = IoContext.create(backend);
        try {
            InetSocketAddress bound;
            try {
                // This thread created ctx, so it is the loop thread until the loop thread takes over.
                bound = switch (transport) {
                    case TCP -> TcpEcho.start(ctx, local, log);
                    case UDP -> UdpEcho.start(ctx, local, log);
                };
            } catch (IOException e) {
                throw new IOException("cannot listen on " + EchoCommand.hostAndPort(local) + " ("
                        + transport.label() + "): " + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
            }
            EchoServer server = new EchoServer(ctx, bound, transport);
            server.startLoop();
            return server;
        } catch (IOException | RuntimeException e) {
            ctx.close();
            throw e;
        }
    }

    private void startLoop() {
        // Counted down by the first task the new thread runs, as the loop thread. close() must wait
        // for that: an IoContext.close() that runs while the new thread is still entering run()
        // closes on the calling thread, the entering thread takes the loop over meanwhile, and a
        // handler closing a socket during that close waits for a loop that never runs (deadlock).
        ctx.post(looping::countDown);
        loopThread.start();
        boolean interrupted = false;
        while (true) {
            try {
                looping.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        try {
            ctx.run();
        } catch (Throwable t) {
            if (!stopRequested.get()) {
                failure = t;
            }
        } finally {
            looping.countDown();
            ctx.close();
        }
    }

    /** The bound address: the real port when started on port 0. */
    InetSocketAddress address() {
        return address;
    }

    Transport transport() {
        return transport;
    }

    /** The backend serving ({@code nio}, ...). */
    String backendName() {
        return ctx.backendName();
    }

    /** The thread running the loop; it ends after {@link #close()} or a loop failure. */
    Thread loopThread() {
        return loopThread;
    }

    /** Why the loop ended on its own, if it did (empty after a normal {@link #close()}). */
    Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Stops the loop, closes every socket, and waits for the loop thread to end. Safe from any
     * thread (from a handler on the loop thread it cannot wait: the loop closes when the handler
     * returns); idempotent.
     *
     * @return true if this call stopped a running server, false if it had stopped already (closed
     *         before, or the loop failed)
     */
    boolean stop() {
        boolean first = stopRequested.compareAndSet(false, true);
        boolean wasRunning = first && loopThread.isAlive() && failure == null;
        ctx.close(); // thread-safe: stops the loop, waits for it, releases everything
        if (Thread.currentThread() != loopThread) {
            awaitTerminationUninterruptibly();
        }
        return wasRunning;
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** Waits until the loop thread ends (after {@link #close()} or a failure). */
    void awaitTermination() throws InterruptedException {
        loopThread.join();
    }

    /** Waits at most {@code timeout} for the loop thread to end; true if it did. */
    boolean awaitTermination(Duration timeout) throws InterruptedException {
        return loopThread.join(timeout);
    }

    private void awaitTerminationUninterruptibly() {
        boolean interrupted = false;
        while (loopThread.isAlive()) {
            try {
                loopThread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "EchoServer[" + transport.label() + " " + EchoCommand.hostAndPort(address) + ", backend "
                + ctx.backendName() + "]";
    }
}
