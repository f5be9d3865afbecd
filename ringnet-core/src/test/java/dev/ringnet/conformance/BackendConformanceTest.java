package dev.ringnet.conformance;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ringnet.io.DatagramHandler;
import dev.ringnet.io.IoHandler;
import dev.ringnet.io.OperationCancelledException;
import dev.ringnet.io.OperationTimeoutException;
import dev.ringnet.io.ResultHandler;
import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.Backends;
import dev.ringnet.loop.IoContext;
import dev.ringnet.loop.Task;
import dev.ringnet.net.Datagram;
import dev.ringnet.net.SocketOptions;
import dev.ringnet.net.TcpListener;
import dev.ringnet.net.TcpSocket;
import dev.ringnet.net.UdpSocket;
import dev.ringnet.time.Timeout;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every ringnet backend must show, run once per entry of {@link Backends#all()}
 * (see {@link BackendSource}): an unavailable backend shows up as skipped with its reason.
 *
 * <p>No test sleeps: waiting is done on latches and futures with timeouts, and where a condition
 * has to be polled the pause between looks is the loop's own timer.
 */
class BackendConformanceTest {
    private static final InetSocketAddress LOOPBACK_ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final long WAIT_SECONDS = 10;

    /** What each test opened, closed in reverse order afterwards whatever happened. */
    private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();

    /**
     * The JDK opens a few descriptors of its own the first time a process uses NIO sockets (for
     * example the socket pair it dup2s over a descriptor being closed) and keeps them for good. Open
     * them before any test takes an fd baseline, so that they are not mistaken for leaks.
     */
    @BeforeAll
    static void warmUpJdkNetworking() throws Exception {
        for (BackendInfo info : Backends.all()) {
            if (!info.available()) {
                continue;
            }
            try (IoContext ctx = IoContext.create(info.name())) {
                ctx.start("conformance-warm-up-" + info.name());
                warmUp(ctx);
            } catch (Exception | AssertionError e) {
                // Best effort: a backend that fails here fails its own tests, with their messages.
            }
        }
    }

    private static void warmUp(IoContext ctx) throws Exception {
        try (TcpListener l = TcpListener.bind(ctx, LOOPBACK_ANY_PORT);
             UdpSocket u = UdpSocket.bind(ctx, LOOPBACK_ANY_PORT);
             TcpSocket c = get(TcpSocket.connectAsync(ctx, l.localAddress()));
             TcpSocket s = get(l.acceptAsync())) {
            get(c.sendAllAsync(ByteBuffer.wrap(new byte[] {1})));
            get(s.recvAsync(ByteBuffer.allocate(1)));
            get(u.sendToAsync(ByteBuffer.wrap(new byte[] {1}), u.localAddress()));
            get(u.recvFromAsync(ByteBuffer.allocate(1)));
        }
    }

    /**
     * Closes what the test opened: the contexts first, then the rest in reverse order. Closing a
     * context closes its sockets; after that a socket's own close() has nothing left to wait for,
     * whereas closing a socket first would post to the loop and wait, forever if the loop thread
     * has died.
     */
    @AfterEach
    void closeEverything() throws Exception {
        List<AutoCloseable> order = new ArrayList<>();
        cleanup.stream().filter(r -> r instanceof IoContext).forEach(order::add);
        cleanup.stream().filter(r -> !(r instanceof IoContext)).forEach(order::add);
        cleanup.clear();
        Exception first = null;
        for (AutoCloseable resource : order) {
            try {
                resource.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    // ====================================================================== 1. echo

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void echoRoundTripInEveryForm(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        EchoServer server = EchoServer.start(ctx, LOOPBACK_ANY_PORT);

        // Blocking client on a virtual thread.
        Task<String> blocking = ctx.spawn(() -> {
            try (TcpSocket s = TcpSocket.connect(ctx, server.address)) {
                byte[] msg = "hello from a blocking client".getBytes(UTF_8);
                assertThat(s.sendAll(ByteBuffer.wrap(msg))).isEqualTo(msg.length);
                ByteBuffer in = ByteBuffer.allocate(msg.length);
                readFully(s, in);
                return new String(in.array(), UTF_8);
            }
        });

        // CompletionStage client.
        byte[] asyncMsg = "hello from a CompletionStage client".getBytes(UTF_8);
        ByteBuffer asyncIn = ByteBuffer.allocate(asyncMsg.length);
        CompletableFuture<String> async = TcpSocket.connectAsync(ctx, server.address).toCompletableFuture()
                .thenCompose(s -> s.sendAllAsync(ByteBuffer.wrap(asyncMsg))
                        .thenCompose(n -> readFullyAsync(s, asyncIn))
                        .whenComplete((v, e) -> s.close()))
                .thenApply(v -> new String(asyncIn.array(), UTF_8));

        // Callback client, on the loop thread.
        CallbackEchoClient callback = new CallbackEchoClient(ctx, "hello from a callback client");
        ctx.post(() -> callback.connect(server.address));

        assertThat(blocking.get(WAIT_SECONDS, SECONDS)).isEqualTo("hello from a blocking client");
        assertThat(async.get(WAIT_SECONDS, SECONDS)).isEqualTo("hello from a CompletionStage client");
        assertThat(callback.result.get(WAIT_SECONDS, SECONDS)).isEqualTo("hello from a callback client");
        assertThat(server.accepted.get()).isEqualTo(3);
        server.assertNoErrors();
    }

    // ====================================================================== 2. partial sends

    @BackendTest
    @org.junit.jupiter.api.Timeout(60)
    void megabyteArrivesInOrderThroughPartialSendsAndThroughOneSendAll(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        int total = 1 << 20;
        byte[] data = randomBytes(total, 1);
        TcpListener listener = track(TcpListener.bind(ctx, LOOPBACK_ANY_PORT,
                SocketOptions.defaults().withReceiveBufferSize(4096)));
        CompletableFuture<TcpSocket> accepting = listener.acceptAsync().toCompletableFuture();
        TcpSocket client = track(get(TcpSocket.connectAsync(ctx, listener.localAddress(), null,
                SocketOptions.defaults().withSendBufferSize(8192))));
        TcpSocket server = track(get(accepting));

        // send (not sendAll) in a loop; the reader does not read at all until a send came back short.
        CountDownLatch sawPartial = new CountDownLatch(1);
        Task<List<Integer>> sender = ctx.spawn(() -> {
            ByteBuffer src = ByteBuffer.wrap(data);
            List<Integer> counts = new ArrayList<>();
            while (src.hasRemaining()) {
                int before = src.remaining();
                int n = client.send(src);
                assertThat(n).as("a send moves at least one byte and at most what remained").isBetween(1, before);
                assertThat(src.remaining()).as("position advanced by the count").isEqualTo(before - n);
                counts.add(n);
                if (n < before) {
                    sawPartial.countDown();
                }
            }
            sawPartial.countDown();
            return counts;
        });
        Task<byte[]> reader = ctx.spawn(() -> {
            assertThat(sawPartial.await(WAIT_SECONDS, SECONDS)).isTrue();
            return readSlowlyThenFast(server, total);
        });
        List<Integer> counts = sender.get(30, SECONDS);
        byte[] received = reader.get(30, SECONDS);
        System.out.printf("[conformance %s] 1 MiB through send: %d sends, first %d bytes, smallest %d, largest %d%n",
                info.name(), counts.size(), counts.getFirst(), Collections.min(counts), Collections.max(counts));
        assertThat(counts.stream().mapToLong(Integer::longValue).sum()).isEqualTo(total);
        assertThat(counts.getFirst()).as("the first send of 1 MiB into a small socket buffer is partial").isLessThan(total);
        assertThat(counts.size()).as("several sends were needed").isGreaterThan(1);
        assertThat(crc(received)).isEqualTo(crc(data));
        assertThat(Arrays.equals(received, data)).as("same bytes in the same order").isTrue();

        // sendAll of 1 MiB in one call, the reader again slow at first.
        byte[] data2 = randomBytes(total, 2);
        Task<Integer> sendAll = ctx.spawn(() -> client.sendAll(ByteBuffer.wrap(data2)));
        Task<byte[]> reader2 = ctx.spawn(() -> readSlowlyThenFast(server, total));
        assertThat(sendAll.get(30, SECONDS)).isEqualTo(total);
        byte[] received2 = reader2.get(30, SECONDS);
        assertThat(crc(received2)).isEqualTo(crc(data2));
        assertThat(Arrays.equals(received2, data2)).isTrue();
    }

    /** Reads {@code total} bytes: 512 at a time for the first 64 KiB, then 64 KiB at a time. */
    private static byte[] readSlowlyThenFast(TcpSocket s, int total) throws IOException {
        byte[] out = new byte[total];
        ByteBuffer tiny = ByteBuffer.allocate(512);
        ByteBuffer big = ByteBuffer.allocateDirect(64 * 1024);
        int got = 0;
        while (got < total) {
            ByteBuffer b = got < 64 * 1024 ? tiny : big;
            b.clear().limit(Math.min(b.capacity(), total - got));
            int n = s.recv(b);
            if (n < 0) {
                throw new EOFException("end of stream after " + got + " of " + total + " bytes");
            }
            assertThat(n).isEqualTo(b.position());
            b.flip().get(out, got, n);
            got += n;
        }
        return out;
    }

    // ====================================================================== 3. many clients

    @BackendTest
    @org.junit.jupiter.api.Timeout(60)
    void twoHundredConcurrentClientsAllGetTheirOwnEcho(BackendInfo info) throws Exception {
        Map<Integer, String> fds = OpenFds.snapshot();
        IoContext ctx = started(info);
        EchoServer server = EchoServer.start(ctx, LOOPBACK_ANY_PORT);
        int clients = 200;
        CountDownLatch go = new CountDownLatch(1);
        List<Task<String>> tasks = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            String msg = "client-" + i + ":" + "x".repeat(i * 7);
            tasks.add(ctx.spawn(() -> {
                go.await();
                try (TcpSocket s = TcpSocket.connect(ctx, server.address)) {
                    byte[] out = msg.getBytes(UTF_8);
                    s.sendAll(ByteBuffer.wrap(out));
                    ByteBuffer in = ByteBuffer.allocate(out.length);
                    readFully(s, in);
                    return new String(in.array(), UTF_8);
                }
            }));
        }
        go.countDown();
        for (int i = 0; i < clients; i++) {
            assertThat(tasks.get(i).get(30, SECONDS)).isEqualTo("client-" + i + ":" + "x".repeat(i * 7));
        }
        assertThat(server.accepted.get()).isEqualTo(clients);
        server.assertNoErrors();
        ctx.close();
        OpenFds.assertNoLeak(fds, "200 echo clients and closing the context");
    }

    // ====================================================================== 4. reset

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void peerResetDuringRecvCompletesItOnceWithAnIOException(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        TcpListener listener = track(TcpListener.bind(ctx, LOOPBACK_ANY_PORT));
        CompletableFuture<TcpSocket> accepting = listener.acceptAsync().toCompletableFuture();
        Socket peer = track(new Socket());
        peer.connect(listener.localAddress(), 5000);
        TcpSocket server = track(get(accepting));
        int baseline = pending(ctx);

        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<Object> outcome = new CompletableFuture<>(); // the IOException, or the result
        ByteBuffer buf = ByteBuffer.allocate(64);
        onLoop(ctx, () -> server.recv(buf, (n, err, a) -> {
            calls.incrementAndGet();
            outcome.complete(err != null ? err : (Object) n);
        }, null));
        assertThat(pending(ctx)).as("the recv is pending before the reset").isEqualTo(baseline + 1);

        peer.setSoLinger(true, 0);
        peer.close(); // RST

        Object observed = outcome.get(WAIT_SECONDS, SECONDS);
        settle(ctx);
        assertThat(calls.get()).as("handler invocations").isEqualTo(1);
        System.out.printf("[conformance %s] recv pending during a peer reset completed with: %s%n", info.name(), observed);
        if (observed instanceof Throwable t) {
            assertThat(t).isInstanceOf(IOException.class).isNotInstanceOf(OperationCancelledException.class);
        } else {
            assertThat(observed).as("without an error the only acceptable result is end of stream").isEqualTo(-1);
        }
        assertThat(pending(ctx)).isEqualTo(baseline);
    }

    // ====================================================================== 5. half-close

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void halfCloseLetsTheServerReplyAfterReadingEndOfStream(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        CompletableFuture<Integer> serverSawEof = new CompletableFuture<>();
        CompletableFuture<Integer> serverReplied = new CompletableFuture<>();
        TcpListener listener = onLoop(ctx, () -> {
            TcpListener l = TcpListener.bind(ctx, LOOPBACK_ANY_PORT);
            l.accept((s, err, a) -> {
                if (err != null) {
                    serverSawEof.completeExceptionally(err);
                    return;
                }
                ByteBuffer buf = ByteBuffer.allocate(1000);
                s.recv(buf, new IoHandler<Integer>() {
                    @Override
                    public void onComplete(int n, IOException e, Integer total) {
                        if (e != null) {
                            serverSawEof.completeExceptionally(e);
                            s.close();
                        } else if (n < 0) {
                            serverSawEof.complete(total);
                            s.sendAll(ByteBuffer.wrap(("got " + total + " bytes").getBytes(UTF_8)), (m, e2, x) -> {
                                s.close();
                                if (e2 != null) {
                                    serverReplied.completeExceptionally(e2);
                                } else {
                                    serverReplied.complete(m);
                                }
                            }, null);
                        } else {
                            buf.clear();
                            s.recv(buf, this, total + n);
                        }
                    }
                }, 0);
            }, null);
            return l;
        });
        track(listener);
        InetSocketAddress address = listener.localAddress();
        byte[] msg = randomBytes(10_000, 3);

        Task<String> client = ctx.spawn(() -> {
            try (TcpSocket s = TcpSocket.connect(ctx, address)) {
                s.sendAll(ByteBuffer.wrap(msg));
                s.shutdownOutput();
                assertThat(serverSawEof.get(WAIT_SECONDS, SECONDS)).isEqualTo(msg.length);
                ByteBuffer in = ByteBuffer.allocate(100);
                while (true) {
                    int n = s.recv(in);
                    if (n < 0) {
                        break; // the server closed after its reply
                    }
                }
                return new String(in.array(), 0, in.position(), UTF_8);
            }
        });
        assertThat(client.get(WAIT_SECONDS, SECONDS)).isEqualTo("got 10000 bytes");
        assertThat(serverReplied.get(WAIT_SECONDS, SECONDS)).isEqualTo("got 10000 bytes".length());
    }

    // ====================================================================== 6. connect failures

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void connectToAClosedPortFailsWithConnectExceptionInEveryForm(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        // A port held by a bound socket that does not listen: connecting to it is refused, and no
        // other process can start listening on it meanwhile.
        Socket holder = track(new Socket());
        holder.bind(LOOPBACK_ANY_PORT);
        InetSocketAddress closed = (InetSocketAddress) holder.getLocalSocketAddress();
        settle(ctx);
        Map<Integer, String> fds = OpenFds.snapshot();
        int baseline = pending(ctx);

        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<IOException> callback = new CompletableFuture<>();
        onLoop(ctx, () -> TcpSocket.connect(ctx, closed, (s, err, a) -> {
            calls.incrementAndGet();
            if (s != null) {
                s.close();
            }
            callback.complete(err);
        }, null));
        assertThat(callback.get(WAIT_SECONDS, SECONDS)).isInstanceOf(ConnectException.class);

        assertThatThrownBy(() -> get(TcpSocket.connectAsync(ctx, closed)))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ConnectException.class);

        Task<TcpSocket> blocking = ctx.spawn(() -> TcpSocket.connect(ctx, closed));
        assertThatThrownBy(() -> blocking.get(WAIT_SECONDS, SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ConnectException.class);

        settle(ctx);
        assertThat(calls.get()).isEqualTo(1);
        assertThat(pending(ctx)).isEqualTo(baseline);
        OpenFds.assertNoLeak(fds, "three refused connects");
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void connectWithATinyTimeoutDeliversSuccessOrTimeoutExactlyOnceWithoutLeaks(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        settle(ctx);
        Map<Integer, String> fds = OpenFds.snapshot();
        int baseline = pending(ctx);
        TcpListener listener = track(TcpListener.bind(ctx, LOOPBACK_ANY_PORT)); // never accepts: the kernel queues
        InetSocketAddress address = listener.localAddress();

        int attempts = 50;
        AtomicIntegerArray calls = new AtomicIntegerArray(attempts);
        AtomicInteger connected = new AtomicInteger();
        AtomicInteger timedOut = new AtomicInteger();
        Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(attempts);
        ResultHandler<TcpSocket, Integer> handler = (s, err, i) -> {
            calls.incrementAndGet(i);
            if (err == null) {
                connected.incrementAndGet();
                s.close();
            } else if (err instanceof OperationTimeoutException) {
                timedOut.incrementAndGet();
            } else {
                unexpected.add(err);
            }
            done.countDown();
        };
        onLoop(ctx, () -> {
            for (int i = 0; i < attempts; i++) {
                TcpSocket.connect(ctx, address, Duration.ofNanos(1), SocketOptions.defaults(), handler, i);
            }
            return null;
        });
        assertThat(done.await(WAIT_SECONDS, SECONDS)).isTrue();
        settle(ctx);
        for (int i = 0; i < attempts; i++) {
            assertThat(calls.get(i)).as("handler calls of connect #%d", i).isEqualTo(1);
        }
        assertThat(unexpected).isEmpty();
        assertThat(connected.get() + timedOut.get()).isEqualTo(attempts);
        System.out.printf("[conformance %s] 1 ns connect timeouts: %d connected, %d timed out%n",
                info.name(), connected.get(), timedOut.get());
        listener.close();
        settle(ctx);
        assertThat(pending(ctx)).as("no op nor deadline timer left behind").isEqualTo(baseline);
        OpenFds.assertNoLeak(fds, "50 connects with a 1 ns timeout");
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void connectToAFullListenQueueTimesOutInEveryForm(BackendInfo info) throws Exception {
        FullListenQueue full = track(FullListenQueue.create());
        IoContext ctx = started(info);
        settle(ctx);
        Map<Integer, String> fds = OpenFds.snapshot();
        int baseline = pending(ctx);
        Duration timeout = Duration.ofMillis(200);

        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<IOException> callback = new CompletableFuture<>();
        onLoop(ctx, () -> TcpSocket.connect(ctx, full.address, timeout, SocketOptions.defaults(), (s, err, a) -> {
            calls.incrementAndGet();
            if (s != null) {
                s.close();
            }
            callback.complete(err);
        }, null));
        CompletableFuture<TcpSocket> async = TcpSocket.connectAsync(ctx, full.address, timeout, SocketOptions.defaults())
                .toCompletableFuture();
        Task<TcpSocket> blocking = ctx.spawn(() -> TcpSocket.connect(ctx, full.address, timeout));

        assertThat(callback.get(WAIT_SECONDS, SECONDS)).isInstanceOf(OperationTimeoutException.class);
        assertThatThrownBy(() -> async.get(WAIT_SECONDS, SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(OperationTimeoutException.class);
        assertThatThrownBy(() -> blocking.get(WAIT_SECONDS, SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(OperationTimeoutException.class);
        settle(ctx);
        assertThat(calls.get()).isEqualTo(1);
        assertThat(pending(ctx)).isEqualTo(baseline);
        OpenFds.assertNoLeak(fds, "three timed-out connects");
    }

    // ====================================================================== 7. cancel races

    @BackendTest
    @org.junit.jupiter.api.Timeout(90)
    void cancelRacingCompletionDeliversEachRecvExactlyOnce(BackendInfo info) throws Exception {
        long started = System.nanoTime();
        IoContext ctx = started(info);
        // io_uring may deliver the real result of an op the kernel finished before the cancel reached
        // it; every readiness backend (nio, epoll) claims ops by CAS, so there a successful cancel
        // always means OperationCancelledException.
        boolean exact = !info.name().equals("io_uring");
        TcpListener listener = track(TcpListener.bind(ctx, LOOPBACK_ANY_PORT));
        CompletableFuture<TcpSocket> accepting = listener.acceptAsync().toCompletableFuture();
        Socket peer = track(new Socket());
        peer.setTcpNoDelay(true);
        peer.connect(listener.localAddress(), 5000);
        TcpSocket server = track(get(accepting));
        int baseline = pending(ctx);

        int total = 100_000;
        int batch = 500;
        int cancellers = 8;
        int batches = total / batch;
        long[] ids = new long[total];
        AtomicIntegerArray calls = new AtomicIntegerArray(total);
        AtomicIntegerArray cancelResult = new AtomicIntegerArray(total); // 1 true, 2 false
        byte[] outcome = new byte[total]; // loop thread: 1 data, 2 cancelled, 3 other
        ByteBuffer[] buffers = new ByteBuffer[batch];
        for (int i = 0; i < batch; i++) {
            buffers[i] = ByteBuffer.allocate(1);
        }
        CountDownLatch[] batchDone = new CountDownLatch[batches];
        for (int b = 0; b < batches; b++) {
            batchDone[b] = new CountDownLatch(batch);
        }
        int[] nextByte = {0}; // loop thread: the value the next received byte must have
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        IoHandler<Integer> handler = (n, err, i) -> {
            calls.incrementAndGet(i);
            if (err == null) {
                outcome[i] = 1;
                byte got = buffers[i % batch].get(0);
                if (n != 1) {
                    problems.add("recv #" + i + " returned " + n);
                } else if (got != (byte) nextByte[0]) {
                    problems.add("recv #" + i + " got byte " + got + ", expected " + (byte) nextByte[0]);
                }
                nextByte[0]++;
            } else if (err instanceof OperationCancelledException) {
                outcome[i] = 2;
            } else {
                outcome[i] = 3;
                problems.add("recv #" + i + " failed: " + err);
            }
            batchDone[i / batch].countDown();
        };

        List<BlockingQueue<Integer>> queues = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < cancellers; c++) {
            BlockingQueue<Integer> q = new ArrayBlockingQueue<>(batch + 1);
            queues.add(q);
            threads.add(Thread.ofPlatform().name("canceller-" + c).start(() -> {
                try {
                    for (int i = q.take(); i >= 0; i = q.take()) {
                        cancelResult.set(i, ctx.cancel(ids[i]) ? 1 : 2);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        // The peer writes one byte per two recvs submitted, as they are submitted.
        Semaphore permits = new Semaphore(0);
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        OutputStream peerOut = peer.getOutputStream();
        Thread writer = Thread.ofPlatform().name("writer").start(() -> {
            try {
                for (int k = 0; k < total / 2; k++) {
                    permits.acquire();
                    peerOut.write(k);
                }
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        });

        for (int b = 0; b < batches; b++) {
            int first = b * batch;
            ctx.post(() -> {
                for (int i = first; i < first + batch; i++) {
                    buffers[i % batch].clear();
                    ids[i] = server.recv(buffers[i % batch], handler, i);
                    queues.get(i % cancellers).add(i);
                    if ((i & 1) == 0) {
                        permits.release();
                    }
                }
            });
            if (!batchDone[b].await(WAIT_SECONDS, SECONDS)) {
                List<String> missing = new ArrayList<>();
                for (int i = first; i < first + batch; i++) {
                    if (calls.get(i) == 0) {
                        missing.add("#" + i + " (cancel " + switch (cancelResult.get(i)) {
                            case 1 -> "returned true";
                            case 2 -> "returned false";
                            default -> "not yet called";
                        } + ")");
                    }
                }
                fail("batch %d: %d recvs never completed although each was cancelled: %s; pendingCount %d (baseline %d)",
                        b, missing.size(), missing.size() > 20 ? missing.subList(0, 20) + "..." : missing,
                        pending(ctx), baseline);
            }
        }
        for (BlockingQueue<Integer> q : queues) {
            q.add(-1);
        }
        for (Thread t : threads) {
            assertThat(t.join(Duration.ofSeconds(WAIT_SECONDS))).isTrue();
        }
        writer.join(Duration.ofSeconds(WAIT_SECONDS));
        assertThat(writer.isAlive()).isFalse();
        assertThat(writerFailure.get()).isNull();

        // What the cancelled recvs did not take is still in the socket, in order.
        peer.shutdownOutput();
        int received = onLoop(ctx, () -> nextByte[0]);
        Task<Integer> drain = ctx.spawn(() -> {
            ByteBuffer rest = ByteBuffer.allocate(total);
            while (server.recv(rest) >= 0) {
                // until end of stream
            }
            rest.flip();
            for (int k = received; rest.hasRemaining(); k++) {
                byte got = rest.get();
                if (got != (byte) k) {
                    problems.add("left-over byte " + k + " is " + got);
                    break;
                }
            }
            return rest.limit();
        });
        int leftOver = drain.get(WAIT_SECONDS, SECONDS);
        assertThat(received + leftOver).as("every byte written was received once").isEqualTo(total / 2);

        int cancelledTrue = 0;
        int data = 0;
        for (int i = 0; i < total; i++) {
            assertThat(calls.get(i)).as("handler calls of recv #%d", i).isEqualTo(1);
            assertThat(cancelResult.get(i)).as("cancel of recv #%d was attempted", i).isNotZero();
            boolean cancelReturnedTrue = cancelResult.get(i) == 1;
            if (outcome[i] == 2) {
                assertThat(cancelReturnedTrue).as("recv #%d saw OperationCancelledException but its cancel returned false", i).isTrue();
            }
            if (cancelReturnedTrue && exact) {
                assertThat(outcome[i]).as("recv #%d: cancel returned true, so the handler must see OperationCancelledException", i)
                        .isEqualTo((byte) 2);
            }
            cancelledTrue += cancelReturnedTrue ? 1 : 0;
            data += outcome[i] == 1 ? 1 : 0;
        }
        assertThat(problems).isEmpty();
        assertThat(data).as("completed with data").isEqualTo(received);
        assertThat(cancelledTrue).as("the race was exercised: some cancels won").isPositive();
        assertThat(data).as("the race was exercised: some completions won").isPositive();
        assertThat(pending(ctx)).isEqualTo(baseline);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("[conformance %s] cancel race: %d recvs, %d cancelled, %d with data, %d bytes left over, %d ms%n",
                info.name(), total, cancelledTrue, data, leftOver, millis);
        assertThat(millis).as("bounded time").isLessThan(30_000);
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(90)
    void timerCancelRacingExpiryRunsOrCancelsEachTimerExactlyOnce(BackendInfo info) throws Exception {
        long started = System.nanoTime();
        IoContext ctx = started(info);
        int baseline = pending(ctx);
        int total = 100_000;
        int batch = 1000;
        int cancellers = 8;
        Timeout[] timers = new Timeout[total];
        AtomicIntegerArray ran = new AtomicIntegerArray(total);
        AtomicIntegerArray cancelResult = new AtomicIntegerArray(total);
        AtomicInteger ranTotal = new AtomicInteger();
        List<BlockingQueue<Integer>> queues = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < cancellers; c++) {
            BlockingQueue<Integer> q = new ArrayBlockingQueue<>(total / cancellers + 2);
            queues.add(q);
            threads.add(Thread.ofPlatform().name("timer-canceller-" + c).start(() -> {
                try {
                    for (int i = q.take(); i >= 0; i = q.take()) {
                        cancelResult.set(i, timers[i].cancel() ? 1 : 2);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (int first = 0; first < total; first += batch) {
            int from = first;
            onLoop(ctx, () -> {
                for (int i = from; i < from + batch; i++) {
                    int index = i;
                    timers[i] = ctx.schedule(Duration.ofNanos((i % 4) * 50_000L), () -> {
                        ran.incrementAndGet(index);
                        ranTotal.incrementAndGet();
                    });
                    queues.get(i % cancellers).add(i);
                }
                return null;
            });
        }
        for (BlockingQueue<Integer> q : queues) {
            q.add(-1);
        }
        for (Thread t : threads) {
            assertThat(t.join(Duration.ofSeconds(WAIT_SECONDS))).isTrue();
        }
        int cancelled = 0;
        for (int i = 0; i < total; i++) {
            cancelled += cancelResult.get(i) == 1 ? 1 : 0;
        }
        int expectRuns = total - cancelled;
        awaitCondition(ctx, () -> ranTotal.get() >= expectRuns, "every timer whose cancel failed has run");
        settle(ctx);
        for (int i = 0; i < total; i++) {
            assertThat(cancelResult.get(i)).isNotZero();
            int expected = cancelResult.get(i) == 1 ? 0 : 1;
            assertThat(ran.get(i)).as("runs of timer #%d (cancel returned %s)", i, cancelResult.get(i) == 1).isEqualTo(expected);
        }
        assertThat(ranTotal.get()).isEqualTo(expectRuns);
        assertThat(pending(ctx)).isEqualTo(baseline);
        System.out.printf("[conformance %s] timer race: %d timers, %d cancelled, %d ran, %d ms%n",
                info.name(), total, cancelled, expectRuns, (System.nanoTime() - started) / 1_000_000);
    }

    // ====================================================================== 8. posts

    @BackendTest
    @org.junit.jupiter.api.Timeout(60)
    void millionPostsFromFourThreadsAreNeitherLostNorReordered(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        int producers = 4;
        int perProducer = 250_000;
        int[] last = new int[producers]; // loop thread only
        Arrays.fill(last, -1);
        int[] count = {0};
        AtomicInteger outOfOrder = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            threads.add(Thread.ofPlatform().name("producer-" + p).start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int seq = 0; seq < perProducer; seq++) {
                    int s = seq;
                    ctx.post(() -> {
                        if (s != last[producer] + 1) {
                            outOfOrder.incrementAndGet();
                        }
                        last[producer] = s;
                        if (++count[0] == producers * perProducer) {
                            all.countDown();
                        }
                    });
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            assertThat(t.join(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(all.await(30, SECONDS)).as("all posts ran").isTrue();
        assertThat(outOfOrder.get()).isZero();
        assertThat(onLoop(ctx, () -> count[0])).isEqualTo(producers * perProducer);
        assertThat(onLoop(ctx, () -> last.clone())).containsOnly(perProducer - 1);
    }

    // ====================================================================== 9. timers

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void timersFireInOrderOfDelay(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        List<Integer> fired = Collections.synchronizedList(new ArrayList<>());
        int[] delays = {50, 10, 40, 0, 30, 20, 10};
        CountDownLatch done = new CountDownLatch(delays.length);
        onLoop(ctx, () -> {
            for (int d : delays) {
                ctx.schedule(Duration.ofMillis(d), () -> {
                    assertThat(ctx.inEventLoop()).isTrue();
                    fired.add(d);
                    done.countDown();
                });
            }
            return null;
        });
        assertThat(done.await(WAIT_SECONDS, SECONDS)).isTrue();
        assertThat(fired).containsExactly(0, 10, 10, 20, 30, 40, 50);
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void cancelledTimerNeverRuns(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        int baseline = pending(ctx);
        AtomicBoolean ran = new AtomicBoolean();
        CountDownLatch sentinel = new CountDownLatch(2);
        Timeout onLoopThread = onLoop(ctx, () -> {
            Timeout t = ctx.schedule(Duration.ofMillis(20), () -> ran.set(true));
            assertThat(t.cancel()).isTrue();
            ctx.schedule(Duration.ofMillis(60), sentinel::countDown);
            return t;
        });
        Timeout fromOtherThread = ctx.schedule(Duration.ofMillis(20), () -> ran.set(true));
        assertThat(fromOtherThread.cancel()).isTrue();
        Timeout expires = ctx.schedule(Duration.ofMillis(60), sentinel::countDown);
        assertThat(sentinel.await(WAIT_SECONDS, SECONDS)).isTrue();
        assertThat(ran.get()).as("a cancelled timer ran").isFalse();
        assertThat(onLoopThread.isCancelled()).isTrue();
        assertThat(fromOtherThread.isCancelled()).isTrue();
        assertThat(onLoopThread.cancel()).isFalse();
        assertThat(expires.isExpired()).isTrue();
        assertThat(expires.cancel()).as("cancelling a fired timer").isFalse();
        settle(ctx);
        assertThat(pending(ctx)).isEqualTo(baseline);
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(60)
    void millionTimersAllFire(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        int baseline = pending(ctx);
        int n = 1_000_000;
        int[] fired = {0};
        CountDownLatch done = new CountDownLatch(1);
        Runnable tick = () -> {
            if (++fired[0] == n) {
                done.countDown();
            }
        };
        long t0 = System.nanoTime();
        onLoop(ctx, () -> {
            for (int i = 0; i < n; i++) {
                ctx.schedule(Duration.ofNanos((i % 1000) * 20_000L), tick); // spread over 20 ms
            }
            return null;
        });
        assertThat(done.await(30, SECONDS)).as("all %d timers fired", n).isTrue();
        System.out.printf("[conformance %s] 1M timers scheduled and fired in %d ms%n", info.name(),
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(onLoop(ctx, () -> fired[0])).isEqualTo(n);
        assertThat(pending(ctx)).isEqualTo(baseline);
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void scheduleFromAnotherThreadRunsOnTheLoopThread(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        Thread loopThread = onLoop(ctx, Thread::currentThread);
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        long t0 = System.nanoTime();
        ctx.schedule(Duration.ofMillis(20), () -> ranOn.complete(Thread.currentThread()));
        assertThat(ranOn.get(WAIT_SECONDS, SECONDS)).isSameAs(loopThread);
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void timersFromAnotherThreadWakeALoopAsleepOnAFarTimerAndCancelFromThereToo(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        ctx.schedule(Duration.ofHours(1), () -> { }); // the loop blocks for up to an hour
        assertThat(onLoop(ctx, ctx::pendingCount)).isEqualTo(1); // and it has seen that timer
        CountDownLatch near = new CountDownLatch(1);
        AtomicInteger cancelledRan = new AtomicInteger();
        Timeout cancelled = ctx.schedule(Duration.ofMillis(1), cancelledRan::incrementAndGet);
        assertThat(cancelled.cancel()).isTrue(); // from this thread, before the loop has seen it
        Timeout later = ctx.schedule(Duration.ofMillis(30), cancelledRan::incrementAndGet);
        ctx.schedule(Duration.ofMillis(5), near::countDown);
        assertThat(near.await(WAIT_SECONDS, SECONDS)).as("a 5 ms timer scheduled from another thread fired").isTrue();
        assertThat(later.cancel()).isTrue(); // from this thread, while it is in the loop's heap
        CountDownLatch after = new CountDownLatch(1);
        ctx.schedule(Duration.ofMillis(60), after::countDown);
        assertThat(after.await(WAIT_SECONDS, SECONDS)).isTrue();
        assertThat(cancelledRan.get()).as("cancelled timers ran").isZero();
        assertThat(onLoop(ctx, ctx::pendingCount)).as("only the far timer is left").isEqualTo(1);
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void closeCancelsTimersHandedOverFromAnotherThreadAndLaterSchedulesAreRejected(BackendInfo info) throws Exception {
        IoContext ctx = open(info); // never run: the handed-over timer is still in the hand-over queue
        AtomicInteger ran = new AtomicInteger();
        Timeout t = CompletableFuture.supplyAsync(() -> ctx.schedule(Duration.ofHours(1), ran::incrementAndGet)).get(WAIT_SECONDS, SECONDS);
        assertThat(t.isPending()).isTrue();
        assertThat(ctx.pendingCount()).isEqualTo(1);
        ctx.close();
        assertThat(t.isCancelled()).as("a timer handed over before close is cancelled by it").isTrue();
        assertThat(ran.get()).isZero();
        CompletableFuture<Timeout> late = CompletableFuture.supplyAsync(() -> ctx.schedule(Duration.ofMillis(1), ran::incrementAndGet));
        assertThatThrownBy(() -> late.get(WAIT_SECONDS, SECONDS)).hasCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void sleepAndSleepUntilParkATaskForTheirTime(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        Task<Long> sleeper = ctx.spawn(() -> {
            long t0 = System.nanoTime();
            ctx.sleep(Duration.ofMillis(50));
            return System.nanoTime() - t0;
        });
        assertThat(sleeper.get(WAIT_SECONDS, SECONDS)).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());

        Instant target = Instant.now().plusMillis(50);
        Task<Instant> until = ctx.spawn(() -> {
            ctx.sleepUntil(target);
            return Instant.now();
        });
        // 2 ms of slack for the wall clock drifting against the monotonic one the timer runs on.
        assertThat(until.get(WAIT_SECONDS, SECONDS)).isAfterOrEqualTo(target.minusMillis(2));

        Task<Long> past = ctx.spawn(() -> {
            long t0 = System.nanoTime();
            ctx.sleepUntil(Instant.now().minusSeconds(5));
            return System.nanoTime() - t0;
        });
        assertThat(past.get(WAIT_SECONDS, SECONDS)).as("an instant in the past does not wait").isLessThan(SECONDS.toNanos(5));

        CompletableFuture<Void> async = ctx.sleepAsync(Duration.ofMillis(10)).toCompletableFuture();
        assertThat(async.get(WAIT_SECONDS, SECONDS)).isNull();
        assertThatThrownBy(() -> onLoop(ctx, () -> {
            ctx.sleep(Duration.ofMillis(1));
            return null;
        })).as("sleep on the loop thread").isInstanceOf(IllegalStateException.class);
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void withTimeoutCancelsARecvThatNeverCompletes(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        Pair pair = pair(ctx);
        int baseline = pending(ctx);
        ByteBuffer buf = ByteBuffer.allocate(16);
        CompletableFuture<Integer> result = ctx.withTimeout(Duration.ofMillis(100), () -> pair.server.recvAsync(buf))
                .toCompletableFuture();
        assertThatThrownBy(() -> result.get(WAIT_SECONDS, SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TimeoutException.class);
        assertThat(pending(ctx)).as("the recv was cancelled and its timer is gone").isEqualTo(baseline);
        // The cancelled recv took nothing: the next one gets what the client sends now.
        get(pair.client.sendAllAsync(ByteBuffer.wrap(new byte[] {42})));
        ByteBuffer next = ByteBuffer.allocate(16);
        assertThat(get(pair.server.recvAsync(next))).isEqualTo(1);
        assertThat(next.get(0)).isEqualTo((byte) 42);
        assertThat(buf.position()).as("the timed-out recv's buffer is untouched").isZero();
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void withTimeoutThatCompletesInTimeGivesTheValue(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        Pair pair = pair(ctx);
        int baseline = pending(ctx);
        ByteBuffer buf = ByteBuffer.allocate(16);
        CompletableFuture<Integer> result = ctx.withTimeout(Duration.ofSeconds(5), () -> pair.server.recvAsync(buf))
                .toCompletableFuture();
        get(pair.client.sendAllAsync(ByteBuffer.wrap("hi".getBytes(UTF_8))));
        assertThat(result.get(WAIT_SECONDS, SECONDS)).isEqualTo(2);
        assertThat(new String(buf.array(), 0, 2, UTF_8)).isEqualTo("hi");
        assertThat(ctx.withTimeout(Duration.ofSeconds(5), () -> CompletableFuture.completedFuture("v"))
                .toCompletableFuture().get(WAIT_SECONDS, SECONDS)).isEqualTo("v");
        settle(ctx);
        assertThat(pending(ctx)).as("the deadline timer was cancelled").isEqualTo(baseline);
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void callWithTimeoutAroundABlockingRecvThrowsTimeoutAndClearsTheInterrupt(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        Pair pair = pair(ctx);
        int baseline = pending(ctx);
        Task<String> task = ctx.spawn(() -> {
            ByteBuffer buf = ByteBuffer.allocate(16);
            try {
                ctx.callWithTimeout(Duration.ofMillis(100), () -> pair.server.recv(buf));
                return "completed without a timeout";
            } catch (TimeoutException e) {
                return "timeout, interrupted=" + Thread.currentThread().isInterrupted();
            }
        });
        assertThat(task.get(WAIT_SECONDS, SECONDS)).isEqualTo("timeout, interrupted=false");
        settle(ctx);
        assertThat(pending(ctx)).as("the recv was cancelled").isEqualTo(baseline);

        Task<Integer> inTime = ctx.spawn(() -> ctx.callWithTimeout(Duration.ofSeconds(5), () -> 7));
        assertThat(inTime.get(WAIT_SECONDS, SECONDS)).isEqualTo(7);
    }

    // ====================================================================== 10. running

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void stopFromAnotherThreadMakesRunReturn(BackendInfo info) throws Exception {
        IoContext ctx = open(info);
        // One loop thread runs the context twice: stop() from this thread ends the first run, the
        // loop thread then restarts it itself (a context keeps its loop thread; see the next test).
        CountDownLatch firstRunReturned = new CountDownLatch(1);
        CountDownLatch mayRunAgain = new CountDownLatch(1);
        AtomicReference<Throwable> loopFailure = new AtomicReference<>();
        Thread loop = Thread.ofPlatform().name("conformance-stop-" + info.name()).unstarted(() -> {
            try {
                ctx.run();
                firstRunReturned.countDown();
                ctx.run(); // returns at once: stop() is sticky until restart()
                mayRunAgain.await();
                ctx.restart();
                ctx.run();
            } catch (Throwable t) {
                loopFailure.set(t);
            }
        });
        loop.start();
        CountDownLatch running = new CountDownLatch(1);
        ctx.post(running::countDown);
        assertThat(running.await(WAIT_SECONDS, SECONDS)).isTrue();
        ctx.stop(); // the loop is idle: blocked waiting with nothing to do
        assertThat(firstRunReturned.await(WAIT_SECONDS, SECONDS)).as("run() returned").isTrue();
        assertThat(ctx.isStopped()).isTrue();
        mayRunAgain.countDown();

        // The restarted loop must really wait in the backend (a timer) and do real I/O, not only
        // run a task that happened to be queued before it first blocked.
        assertThat(ctx.sleepAsync(Duration.ofMillis(20)).toCompletableFuture().get(WAIT_SECONDS, SECONDS))
                .as("a timer on the restarted loop").isNull();
        CountDownLatch ranAgain = new CountDownLatch(1);
        ctx.post(ranAgain::countDown);
        assertThat(ranAgain.await(WAIT_SECONDS, SECONDS)).as("a task posted to the restarted loop ran").isTrue();
        UdpSocket udp = track(UdpSocket.bind(ctx, LOOPBACK_ANY_PORT));
        CompletableFuture<Datagram> received = udp.recvFromAsync(ByteBuffer.allocate(8)).toCompletableFuture();
        get(udp.sendToAsync(ByteBuffer.wrap(new byte[] {7}), udp.localAddress()));
        assertThat(received.get(WAIT_SECONDS, SECONDS).bytes()).as("I/O on the restarted loop").isEqualTo(1);
        ctx.stop();
        assertThat(loop.join(Duration.ofSeconds(WAIT_SECONDS))).isTrue();
        assertThat(loopFailure.get()).isNull();
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void movingAStoppedLoopToAnotherThreadWorksOrFailsClearly(BackendInfo info) throws Exception {
        IoContext ctx = open(info);
        Thread first = ctx.start("conformance-first-" + info.name());
        assertThat(ctx.sleepAsync(Duration.ofMillis(1)).toCompletableFuture().get(WAIT_SECONDS, SECONDS)).isNull();
        ctx.stop();
        assertThat(first.join(Duration.ofSeconds(WAIT_SECONDS))).isTrue();
        ctx.restart();
        Thread second;
        try {
            second = ctx.start("conformance-second-" + info.name());
        } catch (IllegalStateException bound) {
            // A backend bound to its first thread (a single-issuer io_uring ring) says so and why.
            assertThat(bound).hasMessageContaining("bound to thread").hasMessageContaining(first.getName());
            return;
        }
        assertThat(ctx.sleepAsync(Duration.ofMillis(1)).toCompletableFuture().get(WAIT_SECONDS, SECONDS)).isNull();
        ctx.stop();
        assertThat(second.join(Duration.ofSeconds(WAIT_SECONDS))).isTrue();
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void aTaskThatRepostsItselfForeverStarvesNeitherIoNorTimersNorOtherThreadsPosts(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        AtomicBoolean spinning = new AtomicBoolean(true);
        Runnable[] spin = new Runnable[1];
        spin[0] = () -> {
            if (spinning.get()) {
                ctx.post(spin[0]); // from the loop thread: runs in the same pass, within the local budget
            }
        };
        ctx.post(spin[0]);
        try {
            CountDownLatch timer = new CountDownLatch(1);
            ctx.schedule(Duration.ofMillis(5), timer::countDown);
            CountDownLatch remote = new CountDownLatch(1);
            ctx.post(remote::countDown);
            assertThat(remote.await(WAIT_SECONDS, SECONDS)).as("a post from another thread ran").isTrue();
            assertThat(timer.await(WAIT_SECONDS, SECONDS)).as("a timer fired").isTrue();
            Pair p = pair(ctx); // connect + accept complete only if the loop still polls for I/O
            assertThat(get(p.server().sendAllAsync(ByteBuffer.wrap(new byte[] {42})))).isEqualTo(1);
            ByteBuffer in = ByteBuffer.allocate(1);
            assertThat(get(p.client().recvAsync(in))).isEqualTo(1);
            assertThat(in.get(0)).isEqualTo((byte) 42);
        } finally {
            spinning.set(false);
        }
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void postFromTheLoopThreadRunsWithoutAWakeup(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        int links = 10_000;
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger offLoop = new AtomicInteger();
        Runnable[] link = new Runnable[1];
        int[] remaining = {links};
        link[0] = () -> {
            if (!ctx.inEventLoop()) {
                offLoop.incrementAndGet();
            }
            if (--remaining[0] == 0) {
                done.countDown();
            } else {
                ctx.post(link[0]); // from the loop thread: nothing else will wake the idle loop
            }
        };
        ctx.post(link[0]);
        assertThat(done.await(WAIT_SECONDS, SECONDS)).as("a chain of %d loop-thread posts ran", links).isTrue();
        assertThat(offLoop.get()).isZero();
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void runOnceAndPollReturnHowManyThingsTheyRan(BackendInfo info) throws Exception {
        IoContext ctx = open(info); // not started: this thread is the loop thread
        assertThat(ctx.inEventLoop()).isTrue();
        assertThat(ctx.poll()).isZero();

        for (int i = 0; i < 3; i++) {
            ctx.post(() -> {});
        }
        assertThat(ctx.poll()).as("three local tasks").isEqualTo(3);

        ctx.post(() -> ctx.post(() -> {}));
        assertThat(ctx.poll()).as("a task and the task it posted").isEqualTo(2);

        Thread poster = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 5; i++) {
                ctx.post(() -> {});
            }
        });
        poster.join();
        assertThat(ctx.poll()).as("five tasks posted from another thread").isEqualTo(5);

        ctx.schedule(Duration.ZERO, () -> {});
        assertThat(ctx.runOnce(Duration.ofSeconds(5))).as("one due timer").isEqualTo(1);

        UdpSocket a = track(UdpSocket.bind(ctx, LOOPBACK_ANY_PORT));
        UdpSocket b = track(UdpSocket.bind(ctx, LOOPBACK_ANY_PORT));
        AtomicInteger handlers = new AtomicInteger();
        a.sendTo(ByteBuffer.wrap(new byte[] {1, 2, 3}), b.localAddress(), (n, e, x) -> handlers.incrementAndGet(), null);
        assertThat(ctx.runOnce(Duration.ofSeconds(5))).as("one send completion").isEqualTo(1);
        // The datagram is on loopback, so the receive finishes when submitted or at the next readiness.
        b.recvFrom(ByteBuffer.allocate(8), (n, s, e, x) -> handlers.incrementAndGet(), null);
        int ran = 0;
        for (int i = 0; i < 100 && ran == 0; i++) {
            ran = ctx.runOnce(Duration.ofSeconds(5));
        }
        assertThat(ran).as("one receive completion").isEqualTo(1);
        assertThat(handlers.get()).isEqualTo(2);

        long t0 = System.nanoTime();
        assertThat(ctx.runOnce(Duration.ofMillis(20))).as("nothing to do").isZero();
        assertThat(System.nanoTime() - t0).isLessThan(SECONDS.toNanos(5));
        assertThat(ctx.poll()).isZero();
    }

    // ====================================================================== 11. close

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void closeCompletesEveryPendingOperationOnceWithCancellationAndReleasesEveryFd(BackendInfo info) throws Exception {
        FullListenQueue full = track(FullListenQueue.create()); // so that one connect stays pending
        Map<Integer, String> fds = OpenFds.snapshot();
        IoContext ctx = started(info);
        TcpListener listener = TcpListener.bind(ctx, LOOPBACK_ANY_PORT);
        CompletableFuture<TcpSocket> accepting = listener.acceptAsync().toCompletableFuture();
        TcpSocket client = get(TcpSocket.connectAsync(ctx, listener.localAddress()));
        TcpSocket server = get(accepting);
        UdpSocket udp1 = UdpSocket.bind(ctx, LOOPBACK_ANY_PORT);
        UdpSocket udp2 = UdpSocket.bind(ctx, LOOPBACK_ANY_PORT);
        int baseline = pending(ctx);

        int callbacks = 6; // 3 accepts, 2 recvs, 1 connect
        AtomicIntegerArray calls = new AtomicIntegerArray(callbacks);
        List<CompletableFuture<Throwable>> errors = new ArrayList<>();
        for (int i = 0; i < callbacks; i++) {
            errors.add(new CompletableFuture<>());
        }
        ResultHandler<TcpSocket, Integer> onSocket = (s, err, i) -> {
            calls.incrementAndGet(i);
            errors.get(i).complete(err);
        };
        IoHandler<Integer> onBytes = (n, err, i) -> {
            calls.incrementAndGet(i);
            errors.get(i).complete(err);
        };
        AtomicInteger timerRuns = new AtomicInteger();
        List<Timeout> timers = onLoop(ctx, () -> {
            listener.accept(onSocket, 0);
            listener.accept(onSocket, 1);
            listener.accept(onSocket, 2);
            server.recv(ByteBuffer.allocate(16), onBytes, 3);
            client.recv(ByteBuffer.allocate(16), onBytes, 4);
            TcpSocket.connect(ctx, full.address, null, SocketOptions.defaults(), onSocket, 5);
            List<Timeout> ts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ts.add(ctx.schedule(Duration.ofHours(1), timerRuns::incrementAndGet));
            }
            return ts;
        });
        CompletableFuture<Datagram> stage = udp1.recvFromAsync(ByteBuffer.allocate(16)).toCompletableFuture();
        Task<Datagram> blocked = ctx.spawn(() -> udp2.recvFrom(ByteBuffer.allocate(16)));
        CompletableFuture<Void> sleeping = ctx.sleepAsync(Duration.ofHours(1)).toCompletableFuture();
        Task<Void> sleeper = ctx.spawn(() -> {
            ctx.sleep(Duration.ofHours(1));
            return null;
        });
        // 6 callbacks + 3 timers + the stage's recv + the task's recv + the two sleeps' timers
        awaitCondition(ctx, () -> ctx.pendingCount() == baseline + callbacks + 3 + 2 + 2, "everything is submitted");
        assertThat(calls.length()).isEqualTo(callbacks);
        for (int i = 0; i < callbacks; i++) {
            assertThat(calls.get(i)).as("op #%d still pending before close", i).isZero();
        }

        ctx.close();

        for (int i = 0; i < callbacks; i++) {
            assertThat(calls.get(i)).as("handler calls of op #%d", i).isEqualTo(1);
            assertThat(errors.get(i).getNow(null)).as("error of op #%d", i).isInstanceOf(OperationCancelledException.class);
        }
        assertThatThrownBy(() -> stage.get(WAIT_SECONDS, SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(OperationCancelledException.class);
        assertThatThrownBy(() -> blocked.get(WAIT_SECONDS, SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(OperationCancelledException.class);
        assertThat(timers).allSatisfy(t -> assertThat(t.isCancelled()).isTrue());
        assertThat(timerRuns.get()).isZero();
        // Sleepers are released rather than left parked forever (IoContext.sleep's contract).
        assertThatThrownBy(() -> sleeper.get(WAIT_SECONDS, SECONDS))
                .satisfies(e -> assertThat(unwrap(e)).isInstanceOf(CancellationException.class));
        assertThatThrownBy(() -> sleeping.get(WAIT_SECONDS, SECONDS))
                .satisfies(e -> assertThat(unwrap(e)).isInstanceOf(CancellationException.class));
        assertThat(ctx.isClosed()).isTrue();
        assertThat(List.of(listener.isOpen(), client.isOpen(), server.isOpen(), udp1.isOpen(), udp2.isOpen()))
                .as("sockets of a closed context").containsOnly(false);
        OpenFds.assertNoLeak(fds, "closing a context with pending operations");
        assertThatThrownBy(() -> ctx.post(() -> {})).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> get(udp1.recvFromAsync(ByteBuffer.allocate(8))))
                .as("an operation on a closed context fails").isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IOException.class);
        ctx.close(); // idempotent
    }

    // ====================================================================== 12. UDP

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void udpRoundTripsInEveryFormConnectedOrNot(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        UdpSocket a = track(UdpSocket.bind(ctx, LOOPBACK_ANY_PORT));
        UdpSocket b = track(UdpSocket.bind(ctx, LOOPBACK_ANY_PORT));
        InetSocketAddress aAddr = a.localAddress();
        InetSocketAddress bAddr = b.localAddress();

        // Blocking.
        Task<String> blocking = ctx.spawn(() -> {
            assertThat(a.sendTo(ByteBuffer.wrap("ping".getBytes(UTF_8)), bAddr)).isEqualTo(4);
            ByteBuffer in = ByteBuffer.allocate(64);
            Datagram d = b.recvFrom(in);
            assertThat(d.sender()).isEqualTo(aAddr);
            assertThat(d.bytes()).isEqualTo(4);
            return new String(in.array(), 0, d.bytes(), UTF_8);
        });
        assertThat(blocking.get(WAIT_SECONDS, SECONDS)).isEqualTo("ping");

        // Callback: the receive is pending before the send.
        CompletableFuture<Datagram> received = new CompletableFuture<>();
        CompletableFuture<Integer> sent = new CompletableFuture<>();
        ByteBuffer in = ByteBuffer.allocate(64);
        DatagramHandler<Void> onDatagram = (n, sender, err, x) -> {
            if (err != null) {
                received.completeExceptionally(err);
            } else {
                received.complete(new Datagram(n, sender));
            }
        };
        IoHandler<Void> onSent = (n, err, x) -> {
            if (err != null) {
                sent.completeExceptionally(err);
            } else {
                sent.complete(n);
            }
        };
        onLoop(ctx, () -> b.recvFrom(in, onDatagram, null));
        onLoop(ctx, () -> a.sendTo(ByteBuffer.wrap("pong!".getBytes(UTF_8)), bAddr, onSent, null));
        assertThat(sent.get(WAIT_SECONDS, SECONDS)).isEqualTo(5);
        assertThat(received.get(WAIT_SECONDS, SECONDS)).isEqualTo(new Datagram(5, aAddr));
        assertThat(new String(in.array(), 0, 5, UTF_8)).isEqualTo("pong!");

        // CompletionStage, with a datagram larger than the buffer: truncated.
        CompletableFuture<Datagram> truncated = b.recvFromAsync(ByteBuffer.allocate(10)).toCompletableFuture();
        assertThat(get(a.sendToAsync(ByteBuffer.wrap(new byte[100]), bAddr))).isEqualTo(100);
        assertThat(truncated.get(WAIT_SECONDS, SECONDS).bytes()).isEqualTo(10);

        // Connected.
        a.connect(bAddr);
        b.connect(aAddr);
        Task<String> connected = ctx.spawn(() -> {
            assertThat(a.send(ByteBuffer.wrap("connected".getBytes(UTF_8)))).isEqualTo(9);
            ByteBuffer buf = ByteBuffer.allocate(64);
            int n = b.recv(buf);
            return new String(buf.array(), 0, n, UTF_8);
        });
        assertThat(connected.get(WAIT_SECONDS, SECONDS)).isEqualTo("connected");
        CompletableFuture<Integer> back = b.recvAsync(ByteBuffer.allocate(64)).toCompletableFuture();
        CompletableFuture<Integer> cbRecv = new CompletableFuture<>();
        onLoop(ctx, () -> a.recv(ByteBuffer.allocate(64), (n, e, x) -> cbRecv.complete(n), null));
        onLoop(ctx, () -> b.send(ByteBuffer.wrap(new byte[] {1, 2}), (n, e, x) -> {}, null));
        assertThat(cbRecv.get(WAIT_SECONDS, SECONDS)).isEqualTo(2);
        assertThat(get(a.sendAsync(ByteBuffer.wrap(new byte[] {1, 2, 3})))).isEqualTo(3);
        assertThat(back.get(WAIT_SECONDS, SECONDS)).isEqualTo(3);
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void udpBroadcastOptionCanBeSet(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        UdpSocket plain = track(UdpSocket.bind(ctx, LOOPBACK_ANY_PORT));
        assertThat(plain.getOption(StandardSocketOptions.SO_BROADCAST)).isFalse();
        UdpSocket broadcast = track(UdpSocket.bind(ctx, LOOPBACK_ANY_PORT, SocketOptions.defaults().withBroadcast(true)));
        assertThat(broadcast.getOption(StandardSocketOptions.SO_BROADCAST)).isTrue();
        plain.setOption(StandardSocketOptions.SO_BROADCAST, true);
        assertThat(plain.getOption(StandardSocketOptions.SO_BROADCAST)).isTrue();
        broadcast.setOption(StandardSocketOptions.SO_BROADCAST, false);
        assertThat(broadcast.getOption(StandardSocketOptions.SO_BROADCAST)).isFalse();
    }

    // ====================================================================== 13. failures

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void throwingHandlersAndTasksAreLoggedAndTheLoopCarriesOn(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        UdpSocket a = track(UdpSocket.bind(ctx, LOOPBACK_ANY_PORT));
        UdpSocket b = track(UdpSocket.bind(ctx, LOOPBACK_ANY_PORT));
        InetSocketAddress bAddr = b.localAddress();
        try (LogCapture log = LogCapture.start("dev.ringnet.loop", "dev.ringnet.time")) {
            ctx.post(() -> {
                throw new IllegalStateException("conformance: a posted task fails");
            });
            ctx.schedule(Duration.ZERO, () -> {
                throw new IllegalStateException("conformance: a timer task fails");
            });
            CountDownLatch handlerRan = new CountDownLatch(1);
            onLoop(ctx, () -> a.sendTo(ByteBuffer.wrap(new byte[] {9}), bAddr, (n, e, x) -> {
                handlerRan.countDown();
                throw new IllegalStateException("conformance: a completion handler fails");
            }, null));
            assertThat(handlerRan.await(WAIT_SECONDS, SECONDS)).isTrue();

            // The loop carries on: tasks, timers and I/O all still work.
            CompletableFuture<String> after = new CompletableFuture<>();
            ctx.post(() -> after.complete("still running"));
            assertThat(after.get(WAIT_SECONDS, SECONDS)).isEqualTo("still running");
            assertThat(ctx.sleepAsync(Duration.ofMillis(1)).toCompletableFuture().get(WAIT_SECONDS, SECONDS)).isNull();
            Datagram d = get(b.recvFromAsync(ByteBuffer.allocate(8)));
            assertThat(d.bytes()).isEqualTo(1);

            assumeTrue(log.unavailableReason() == null, () -> "cannot check the log: " + log.unavailableReason());
            assertThat(log.text())
                    .contains("conformance: a posted task fails")
                    .contains("conformance: a timer task fails")
                    .contains("conformance: a completion handler fails");
        }
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void callbackFormOffTheLoopAndBlockingFormOnTheLoopAreRefused(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        Pair pair = pair(ctx);
        assertThatThrownBy(() -> pair.server.recv(ByteBuffer.allocate(4), (n, e, x) -> {}, null))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> onLoop(ctx, () -> pair.server.recv(ByteBuffer.allocate(4))))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> onLoop(ctx, () -> ctx.callWithTimeout(Duration.ofSeconds(1), () -> 1)))
                .isInstanceOf(IllegalStateException.class);
    }

    // ====================================================================== 14. IPv6

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void echoOverIpv6Loopback(BackendInfo info) throws Exception {
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 0);
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(v6);
        } catch (IOException e) {
            assumeTrue(false, "IPv6 loopback [::1] is unavailable here: " + e);
        }
        IoContext ctx = started(info);
        EchoServer server = EchoServer.start(ctx, v6);
        assertThat(server.address.getAddress()).isInstanceOf(Inet6Address.class);
        Task<String> client = ctx.spawn(() -> {
            try (TcpSocket s = TcpSocket.connect(ctx, server.address)) {
                assertThat(s.remoteAddress()).isEqualTo(server.address);
                assertThat(s.localAddress().getAddress()).isInstanceOf(Inet6Address.class);
                byte[] msg = "over [::1]".getBytes(UTF_8);
                s.sendAll(ByteBuffer.wrap(msg));
                ByteBuffer in = ByteBuffer.allocate(msg.length);
                readFully(s, in);
                return new String(in.array(), UTF_8);
            }
        });
        assertThat(client.get(WAIT_SECONDS, SECONDS)).isEqualTo("over [::1]");

        UdpSocket a = track(UdpSocket.bind(ctx, v6));
        UdpSocket b = track(UdpSocket.bind(ctx, v6));
        CompletableFuture<Datagram> d = b.recvFromAsync(ByteBuffer.allocate(16)).toCompletableFuture();
        get(a.sendToAsync(ByteBuffer.wrap(new byte[] {6, 6}), b.localAddress()));
        assertThat(d.get(WAIT_SECONDS, SECONDS)).isEqualTo(new Datagram(2, a.localAddress()));
        server.assertNoErrors();
    }

    // ====================================================================== 15. tasks

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void spawnedTaskGivesItsResultThroughJoinAndAsStage(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        Task<Integer> task = ctx.spawn(() -> {
            ctx.sleep(Duration.ofMillis(5));
            return 6 * 7;
        });
        assertThat(task.get(WAIT_SECONDS, SECONDS)).isEqualTo(42);
        assertThat(task.join()).isEqualTo(42);
        assertThat(get(task.asStage())).isEqualTo(42);
        assertThat(task.isDone()).isTrue();
        assertThat(task.isCancelled()).isFalse();
        assertThat(task.cancel()).as("cancelling a finished task").isFalse();

        Task<Integer> failing = ctx.spawn(() -> {
            throw new IOException("conformance: the task fails");
        });
        assertThatThrownBy(failing::join).isInstanceOf(CompletionException.class).cause()
                .isInstanceOf(IOException.class).hasMessage("conformance: the task fails");
        assertThatThrownBy(() -> get(failing.asStage())).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IOException.class);
    }

    @BackendTest
    @org.junit.jupiter.api.Timeout(30)
    void cancellingATaskParkedInABlockingRecvCancelsTheRecv(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        Pair pair = pair(ctx);
        int baseline = pending(ctx);
        ByteBuffer buf = ByteBuffer.allocate(16);
        Task<Integer> task = ctx.spawn(() -> pair.server.recv(buf));
        awaitCondition(ctx, () -> ctx.pendingCount() == baseline + 1, "the task's recv is pending");

        assertThat(task.cancel()).isTrue();
        assertThatThrownBy(() -> task.get(WAIT_SECONDS, SECONDS)).isInstanceOf(CancellationException.class);
        assertThat(task.isCancelled()).isTrue();
        assertThat(task.isDone()).isTrue();
        // asStage() is a dependent copy: a cancellation reaches it wrapped, as for any dependent stage.
        assertThatThrownBy(() -> get(task.asStage())).satisfies(e -> assertThat(unwrap(e)).isInstanceOf(CancellationException.class));
        assertThatThrownBy(task::join).isInstanceOf(CancellationException.class);
        settle(ctx);
        assertThat(pending(ctx)).as("the recv is no longer pending").isEqualTo(baseline);

        // The cancelled recv took nothing.
        get(pair.client.sendAllAsync(ByteBuffer.wrap("after".getBytes(UTF_8))));
        Task<String> next = ctx.spawn(() -> {
            ByteBuffer in = ByteBuffer.allocate(5);
            readFully(pair.server, in);
            return new String(in.array(), UTF_8);
        });
        assertThat(next.get(WAIT_SECONDS, SECONDS)).isEqualTo("after");
        assertThat(buf.position()).isZero();
    }

    // ====================================================================== backends

    @Test
    void autoPicksTheFirstAvailableBackend() throws Exception {
        List<BackendInfo> all = Backends.all();
        assertThat(all).isNotEmpty();
        assumeTrue(all.stream().anyMatch(BackendInfo::available), () -> "no backend is available here: " + all);
        BackendInfo first = all.stream().filter(BackendInfo::available).findFirst().orElseThrow();
        assertThat(Backends.auto()).isEqualTo(first);
        try (IoContext auto = IoContext.create("auto"); IoContext dflt = IoContext.create()) {
            assertThat(auto.backendName()).isEqualTo(first.name());
            assertThat(dflt.backendName()).isEqualTo(first.name());
        }
        assertThatThrownBy(() -> IoContext.create("no-such-backend")).isInstanceOf(IllegalArgumentException.class);
    }

    // ====================================================================== fixtures

    private <T extends AutoCloseable> T track(T resource) {
        cleanup.push(resource);
        return resource;
    }

    /** A context on the backend, or a visible skip if the backend cannot run here. */
    private IoContext open(BackendInfo info) throws IOException {
        BackendSource.assumeAvailable(info);
        IoContext ctx = track(IoContext.create(info.name()));
        assertThat(ctx.backendName()).isEqualTo(info.name());
        return ctx;
    }

    /** A context whose loop runs on its own thread. */
    private IoContext started(BackendInfo info) throws IOException {
        IoContext ctx = open(info);
        ctx.start("conformance-" + info.name());
        return ctx;
    }

    private record Pair(TcpSocket client, TcpSocket server) {}

    /** A connected pair, both ends on {@code ctx}, with nothing pending. */
    private Pair pair(IoContext ctx) throws Exception {
        TcpListener listener = track(TcpListener.bind(ctx, LOOPBACK_ANY_PORT));
        CompletableFuture<TcpSocket> accepting = listener.acceptAsync().toCompletableFuture();
        TcpSocket client = track(get(TcpSocket.connectAsync(ctx, listener.localAddress())));
        TcpSocket server = track(get(accepting));
        return new Pair(client, server);
    }

    /** Runs {@code body} on the loop thread and returns what it returned. */
    static <T> T onLoop(IoContext ctx, Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        ctx.post(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(WAIT_SECONDS, SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** {@link IoContext#pendingCount()} read on the loop thread, where it is exact. */
    static int pending(IoContext ctx) throws Exception {
        return onLoop(ctx, ctx::pendingCount);
    }

    /**
     * Lets the loop finish what is already due: every task posted so far has run and the backend
     * has polled since. The poll matters for fd counts: java.nio closes a channel registered with
     * a selector only at that selector's next select, so a socket closed by a task is released by
     * the poll after it. A zero-delay timer gives that guarantee (the loop expires timers only
     * after polling), where two posted tasks could both run in one pass without a poll between.
     */
    static void settle(IoContext ctx) throws Exception {
        onLoop(ctx, () -> null);
        ctx.sleepAsync(Duration.ZERO).toCompletableFuture().get(WAIT_SECONDS, SECONDS);
        onLoop(ctx, () -> null);
    }

    /** Evaluates {@code condition} on the loop thread until it holds, pausing on the loop's own timer. */
    static void awaitCondition(IoContext ctx, BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + SECONDS.toNanos(WAIT_SECONDS);
        while (!onLoop(ctx, condition::getAsBoolean)) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            ctx.sleepAsync(Duration.ofMillis(1)).toCompletableFuture().get(WAIT_SECONDS, SECONDS);
        }
    }

    /** Strips ExecutionException and CompletionException wrappers. */
    static Throwable unwrap(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT_SECONDS, SECONDS);
    }

    static void readFully(TcpSocket s, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            if (s.recv(dst) < 0) {
                throw new EOFException("end of stream with " + dst.remaining() + " bytes missing");
            }
        }
    }

    static CompletableFuture<Void> readFullyAsync(TcpSocket s, ByteBuffer dst) {
        if (!dst.hasRemaining()) {
            return CompletableFuture.completedFuture(null);
        }
        return s.recvAsync(dst).toCompletableFuture().thenCompose(n -> {
            if (n < 0) {
                throw new CompletionException(new EOFException("end of stream"));
            }
            return readFullyAsync(s, dst);
        });
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    static long crc(byte[] b) {
        CRC32 crc = new CRC32();
        crc.update(b);
        return crc.getValue();
    }

    /** An echo server written in the callback form, living on the loop thread. */
    static final class EchoServer {
        final IoContext ctx;
        final AtomicInteger accepted = new AtomicInteger();
        final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        TcpListener listener;
        volatile InetSocketAddress address;

        private final ResultHandler<TcpSocket, EchoServer> onAccept = (socket, err, self) -> {
            if (err != null) {
                if (!(err instanceof OperationCancelledException)) {
                    errors.add(err);
                }
                return; // cancelled: the listener or the loop is closing
            }
            accepted.incrementAndGet();
            acceptNext();
            new Connection(socket).read();
        };

        private EchoServer(IoContext ctx) {
            this.ctx = ctx;
        }

        static EchoServer start(IoContext ctx, InetSocketAddress bindTo) throws Exception {
            EchoServer server = new EchoServer(ctx);
            onLoop(ctx, () -> {
                server.listener = TcpListener.bind(ctx, bindTo);
                server.address = server.listener.localAddress();
                server.acceptNext();
                return null;
            });
            return server;
        }

        private void acceptNext() {
            listener.accept(onAccept, this);
        }

        void assertNoErrors() {
            assertThat(errors).as("echo server errors").isEmpty();
        }

        private final class Connection {
            private final TcpSocket socket;
            private final ByteBuffer buffer = ByteBuffer.allocate(4096);
            private final IoHandler<Connection> onRead = (n, err, c) -> {
                if (err != null || n < 0) {
                    if (err != null && !(err instanceof OperationCancelledException)) {
                        errors.add(err);
                    }
                    c.socket.close();
                    return;
                }
                c.buffer.flip();
                c.socket.sendAll(c.buffer, c.onWritten, c);
            };
            private final IoHandler<Connection> onWritten = (n, err, c) -> {
                if (err != null) {
                    if (!(err instanceof OperationCancelledException)) {
                        errors.add(err);
                    }
                    c.socket.close();
                    return;
                }
                c.read();
            };

            Connection(TcpSocket socket) {
                this.socket = socket;
            }

            void read() {
                buffer.clear();
                socket.recv(buffer, onRead, this);
            }
        }
    }

    /** A client written in the callback form: connect, send, read the echo, close. */
    static final class CallbackEchoClient {
        final IoContext ctx;
        final byte[] message;
        final ByteBuffer in;
        final CompletableFuture<String> result = new CompletableFuture<>();
        TcpSocket socket;

        CallbackEchoClient(IoContext ctx, String message) {
            this.ctx = ctx;
            this.message = message.getBytes(UTF_8);
            this.in = ByteBuffer.allocate(this.message.length);
        }

        void connect(InetSocketAddress address) {
            TcpSocket.connect(ctx, address, (s, err, self) -> {
                if (err != null) {
                    result.completeExceptionally(err);
                    return;
                }
                socket = s;
                s.sendAll(ByteBuffer.wrap(message), (n, e, c) -> {
                    if (e != null) {
                        c.finish(e);
                    } else {
                        c.read();
                    }
                }, this);
            }, this);
        }

        private void read() {
            socket.recv(in, (n, e, c) -> {
                if (e != null) {
                    c.finish(e);
                } else if (n < 0) {
                    c.finish(new EOFException("end of stream"));
                } else if (in.hasRemaining()) {
                    c.read();
                } else {
                    c.finish(null);
                }
            }, this);
        }

        private void finish(IOException error) {
            socket.close();
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(new String(in.array(), UTF_8));
            }
        }
    }

    /**
     * A plain listener with a backlog of 1 that never accepts, filled until a connect times out:
     * the kernel then drops further SYNs, so a connect to it stays pending (without any external
     * address). Skips the test, visibly, where the queue cannot be filled that way.
     */
    static final class FullListenQueue implements AutoCloseable {
        final ServerSocket server;
        final List<Socket> fillers = new ArrayList<>();
        final InetSocketAddress address;

        private FullListenQueue(ServerSocket server) {
            this.server = server;
            this.address = (InetSocketAddress) server.getLocalSocketAddress();
        }

        static FullListenQueue create() throws IOException {
            FullListenQueue q = new FullListenQueue(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket();
                try {
                    s.connect(q.address, 250);
                    q.fillers.add(s);
                } catch (SocketTimeoutException full) {
                    s.close();
                    return q;
                }
            }
            q.close();
            assumeTrue(false, "could not fill a listen queue here: connects to a full queue are not left pending");
            return q;
        }

        @Override
        public void close() throws IOException {
            for (Socket s : fillers) {
                s.close();
            }
            server.close();
        }
    }
}
