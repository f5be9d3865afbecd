package dev.ringnet.server;

import dev.ringnet.internal.Logs;
import dev.ringnet.io.OperationCancelledException;
import dev.ringnet.io.ResultHandler;
import dev.ringnet.loop.Backends;
import dev.ringnet.loop.IoContext;
import dev.ringnet.net.SocketOptions;
import dev.ringnet.net.TcpListener;
import dev.ringnet.net.TcpSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A server on every core: N worker loops, each an {@link IoContext} on its own thread, and the
 * listening sockets that feed them, with one of two {@link AcceptStrategy accept strategies}.
 *
 * <pre>{@code
 * try (ServerContext server = ServerContext.builder().workers(4).build()) {
 *     server.listen(new InetSocketAddress(8080), SocketOptions.defaults(),
 *             (socket, loop) -> new Connection(socket).start());   // on the worker's thread
 *     server.awaitShutdown();
 * }
 * }</pre>
 *
 * <h2>Accept failures</h2>
 * When accepting fails for lack of resources ({@code EMFILE}, {@code ENFILE}, {@code ENOBUFS}...),
 * the listener backs off (10 ms doubling to 1 s, logged as a warning) and tries again: it never
 * spins, and it recovers by itself once descriptors are free.
 *
 * <h2>Shutting down</h2>
 * {@link #shutdown(Duration)} stops accepting, tells the application through
 * {@link #onDrain(Consumer)} (an HTTP server closes idle keep-alive connections and finishes the
 * requests in flight), waits until every worker has closed its connections or the grace period
 * ends, then closes every loop. {@link #close()} is a shutdown without grace; both return only when
 * every loop has stopped and every socket is closed.
 */
public final class ServerContext implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.ringnet.server");
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final List<IoContext> workers;
    private final IoContext acceptor;
    private final AcceptStrategy strategy;
    private final List<TcpListener> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<IoContext>> drainListeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean shuttingDown;
    private int nextWorker; // acceptor loop thread only

    private ServerContext(List<IoContext> workers, IoContext acceptor, AcceptStrategy strategy) {
        this.workers = List.copyOf(workers);
        this.acceptor = acceptor;
        this.strategy = strategy;
    }

    /** Starts describing a server context. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link ServerContext}. */
    public static final class Builder {
        private int workers = Runtime.getRuntime().availableProcessors();
        private String backend = Backends.AUTO;
        private AcceptStrategy strategy = AcceptStrategy.ACCEPTOR;
        private String threadPrefix = "ringnet-worker-";

        private Builder() {}

        /** Worker loops (default: the available processors). */
        public Builder workers(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("workers must be at least 1: " + count);
            }
            this.workers = count;
            return this;
        }

        /** The backend every loop runs on (default {@code auto}). */
        public Builder backend(String name) {
            this.backend = Objects.requireNonNull(name, "backend");
            return this;
        }

        /** How connections reach the workers (default {@link AcceptStrategy#ACCEPTOR}). */
        public Builder acceptStrategy(AcceptStrategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /** Prefix of the worker threads' names (default {@code ringnet-worker-}). */
        public Builder threadNamePrefix(String prefix) {
            this.threadPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** Creates the loops and starts their threads. */
        public ServerContext build() throws IOException {
            List<IoContext> loops = new ArrayList<>();
            IoContext acceptorLoop = null;
            try {
                for (int i = 0; i < workers; i++) {
                    IoContext ctx = IoContext.create(backend);
                    loops.add(ctx);
                    ctx.start(threadPrefix + i);
                }
                if (strategy == AcceptStrategy.ACCEPTOR) {
                    acceptorLoop = IoContext.create(backend);
                    acceptorLoop.start(threadPrefix + "acceptor");
                }
            } catch (IOException | RuntimeException e) {
                loops.forEach(IoContext::close);
                if (acceptorLoop != null) {
                    acceptorLoop.close();
                }
                throw e;
            }
            return new ServerContext(loops, acceptorLoop, strategy);
        }
    }

    /** The worker loops, in order. */
    public List<IoContext> workers() {
        return workers;
    }

    /** The accept strategy. */
    public AcceptStrategy acceptStrategy() {
        return strategy;
    }

    /** The backend the loops run on. */
    public String backendName() {
        return workers.get(0).backendName();
    }

    /**
     * Starts listening on {@code address}; every accepted connection goes to {@code handler} on
     * its worker's loop thread. Port 0 picks a free port, the same for every worker.
     *
     * @return the bound address
     */
    public InetSocketAddress listen(InetSocketAddress address, SocketOptions options, ConnectionHandler handler)
            throws IOException {
        Objects.requireNonNull(handler, "handler");
        if (shuttingDown) {
            throw new IllegalStateException("the server is shutting down");
        }
        if (strategy == AcceptStrategy.ACCEPTOR) {
            TcpListener listener = TcpListener.bind(acceptor, address, options);
            listeners.add(listener);
            new AcceptLoop(acceptor, listener, (socket, loop) -> handOff(socket, handler)).start();
            return listener.localAddress();
        }
        SocketOptions shared = options.withReusePort(true);
        InetSocketAddress bound = address;
        for (IoContext worker : workers) {
            TcpListener listener = TcpListener.bind(worker, bound, shared);
            listeners.add(listener);
            bound = listener.localAddress(); // port 0: the others join the port the first one got
            new AcceptLoop(worker, listener, handler).start();
        }
        return bound;
    }

    /** Acceptor loop thread: passes the connection to the next worker. */
    private void handOff(TcpSocket socket, ConnectionHandler handler) {
        IoContext worker = workers.get(nextWorker);
        nextWorker = (nextWorker + 1) % workers.size();
        socket.handOff(worker, (ResultHandler<TcpSocket, IoContext>) (moved, err, loop) -> {
            if (err != null) {
                Logs.log(LOG, System.Logger.Level.WARNING, "handing a connection to a worker failed", err);
                return;
            }
            try {
                handler.accepted(moved, loop);
            } catch (RuntimeException e) {
                Logs.log(LOG, System.Logger.Level.WARNING, "connection handler threw; connection closed", e);
                moved.close();
            }
        }, worker);
    }

    /** One listener's multishot accept, re-armed after a back-off when accepting fails. */
    private final class AcceptLoop implements ResultHandler<TcpSocket, Void> {
        private final IoContext loop;
        private final TcpListener listener;
        private final ConnectionHandler handler;
        private long backoffNanos = FIRST_BACKOFF_NANOS;

        AcceptLoop(IoContext loop, TcpListener listener, ConnectionHandler handler) {
            this.loop = loop;
            this.listener = listener;
            this.handler = handler;
        }

        void start() {
            loop.post(this::arm);
        }

        private void arm() {
            if (!shuttingDown && listener.isOpen()) {
                listener.acceptMany(this, null);
            }
        }

        @Override
        public void onComplete(TcpSocket socket, IOException error, Void unused) {
            if (error == null) {
                backoffNanos = FIRST_BACKOFF_NANOS;
                try {
                    handler.accepted(socket, loop);
                } catch (RuntimeException e) {
                    Logs.log(LOG, System.Logger.Level.WARNING, "connection handler threw; connection closed", e);
                    socket.close();
                }
                return;
            }
            if (error instanceof OperationCancelledException || shuttingDown || !listener.isOpen()) {
                return; // the listener closed: accepting ends here
            }
            long delay = backoffNanos;
            backoffNanos = Math.min(backoffNanos * 2, MAX_BACKOFF_NANOS);
            Logs.log(LOG, System.Logger.Level.WARNING, "accept failed ({0}); retrying in {1} ms",
                    error.getMessage(), TimeUnit.NANOSECONDS.toMillis(delay));
            loop.schedule(Duration.ofNanos(delay), this::arm);
        }
    }

    /**
     * Registers a callback run on every worker's loop thread when a shutdown begins, for the
     * application to end idle connections and finish the ones in flight.
     */
    public void onDrain(Consumer<IoContext> listener) {
        drainListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Stops accepting, lets connections finish for up to {@code grace}, then closes every loop.
     * Returns when every loop has stopped and every socket is closed.
     *
     * @return true if every connection closed within the grace period
     */
    public boolean shutdown(Duration grace) {
        synchronized (this) {
            if (shuttingDown) {
                awaitShutdownUninterruptibly();
                return true;
            }
            shuttingDown = true;
        }
        for (TcpListener listener : listeners) {
            listener.close();
        }
        boolean drained = grace.isZero() || grace.isNegative() || drain(grace);
        for (IoContext worker : workers) {
            worker.close();
        }
        if (acceptor != null) {
            acceptor.close();
        }
        terminated.countDown();
        return drained;
    }

    /** Tells every worker to drain, then waits until they hold no socket or the grace ends. */
    private boolean drain(Duration grace) {
        List<CompletableFuture<Void>> empty = new ArrayList<>();
        for (IoContext worker : workers) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            empty.add(done);
            try {
                worker.post(() -> {
                    for (Consumer<IoContext> listener : drainListeners) {
                        try {
                            listener.accept(worker);
                        } catch (RuntimeException e) {
                            Logs.log(LOG, System.Logger.Level.WARNING, "drain listener threw", e);
                        }
                    }
                    watchUntilEmpty(worker, done);
                });
            } catch (RuntimeException closed) {
                done.complete(null);
            }
        }
        try {
            CompletableFuture.allOf(empty.toArray(CompletableFuture[]::new)).get(grace.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception timedOut) {
            return false;
        }
    }

    /** Loop thread: completes {@code done} once the worker has no socket open (checked every 5 ms). */
    private static void watchUntilEmpty(IoContext worker, CompletableFuture<Void> done) {
        if (worker.openSocketCount() == 0) {
            done.complete(null);
        } else if (!done.isDone()) {
            worker.schedule(Duration.ofMillis(5), () -> watchUntilEmpty(worker, done));
        }
    }

    /** Waits until the server has shut down (after {@link #shutdown} or {@link #close()} from elsewhere). */
    public void awaitShutdown() throws InterruptedException {
        terminated.await();
    }

    private void awaitShutdownUninterruptibly() {
        boolean interrupted = false;
        while (true) {
            try {
                terminated.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Shuts down without grace: open connections are closed at once. */
    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
