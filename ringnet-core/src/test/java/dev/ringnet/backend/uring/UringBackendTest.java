package dev.ringnet.backend.uring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.io.IoHandler;
import dev.ringnet.io.OperationCancelledException;
import dev.ringnet.io.ResultHandler;
import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.Backends;
import dev.ringnet.loop.IoContext;
import dev.ringnet.net.TcpListener;
import dev.ringnet.net.TcpSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What only io_uring has to get right: completions beyond the CQ's size, and a ring's kernel
 * resources (its fd and mappings) released on close with operations still in flight. The shared
 * behaviour is covered for every backend by the conformance suite.
 */
@Timeout(60)
class UringBackendTest {
    private static final Duration WAIT = Duration.ofMillis(200);

    @BeforeEach
    void needsIoUring() {
        BackendInfo info = Backends.find("io_uring");
        Assumptions.assumeTrue(info.available(), () -> "io_uring unavailable here: " + info.detail());
    }

    @Test
    void aBurstOfCompletionsLargerThanTheCqLosesNone() throws Exception {
        int sends = 100_000; // the CQ has 16384 entries: the kernel must hold the rest (NODROP)
        try (IoContext ctx = IoContext.create("io_uring")) {
            TcpListener listener = TcpListener.bind(ctx, new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<TcpSocket> accepted = new CompletableFuture<>();
            listener.accept((ResultHandler<TcpSocket, Void>) (s, err, a) -> accepted.complete(s), null);
            try (Socket peer = new Socket()) {
                peer.connect(listener.localAddress(), 5000);
                while (!accepted.isDone()) {
                    ctx.runOnce(WAIT);
                }
                TcpSocket server = accepted.join();
                AtomicInteger completions = new AtomicInteger();
                AtomicInteger bytes = new AtomicInteger();
                IoHandler<Void> counted = (n, err, a) -> {
                    completions.incrementAndGet();
                    if (err == null) {
                        bytes.addAndGet(n);
                    }
                };
                ByteBuffer one = ByteBuffer.allocateDirect(sends);
                for (int i = 0; i < sends; i++) { // all queued in one iteration: one burst of CQEs
                    server.send(one.slice(i, 1), counted, null);
                }
                CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> drain(peer, sends));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (completions.get() < sends && System.nanoTime() < deadline) {
                    ctx.runOnce(WAIT);
                }
                assertThat(completions.get()).isEqualTo(sends);
                assertThat(bytes.get()).isEqualTo(sends);
                assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo(sends);
                server.close();
            }
            listener.close();
        }
    }

    @Test
    void exhaustingTheProvidedBuffersLosesNoData() throws Exception {
        int connections = 8;
        int perConnection = 256 * 1024;
        String entries = System.getProperty("ringnet.uring.bufferRing.entries");
        System.setProperty("ringnet.uring.bufferRing.entries", "2"); // two 4 KiB buffers for 2 MiB of data
        IoContext ctx;
        try {
            ctx = IoContext.create("io_uring");
        } finally {
            if (entries == null) System.clearProperty("ringnet.uring.bufferRing.entries");
            else System.setProperty("ringnet.uring.bufferRing.entries", entries);
        }
        try (ctx) {
            TcpListener listener = TcpListener.bind(ctx, new InetSocketAddress("127.0.0.1", 0));
            long[] received = new long[connections];
            java.util.zip.CRC32[] crcs = new java.util.zip.CRC32[connections];
            int[] ended = {0};
            int[] accepted = {0};
            listener.acceptMany((ResultHandler<TcpSocket, Void>) (socket, err, a) -> {
                if (err != null) return;
                int index = accepted[0]++;
                crcs[index] = new java.util.zip.CRC32();
                socket.recvMany((data, rerr, i) -> {
                    if (data == null) {
                        ended[0]++;
                        socket.close();
                        return;
                    }
                    received[i] += data.remaining();
                    crcs[i].update(data);
                }, index);
            }, null);
            byte[] payload = new byte[perConnection];
            new java.util.Random(3).nextBytes(payload);
            java.util.zip.CRC32 expected = new java.util.zip.CRC32();
            expected.update(payload);
            java.util.List<CompletableFuture<Void>> writers = new java.util.ArrayList<>();
            InetSocketAddress address = listener.localAddress();
            for (int c = 0; c < connections; c++) {
                writers.add(CompletableFuture.runAsync(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(address, 5000);
                        s.getOutputStream().write(payload);
                        s.shutdownOutput();
                        s.getInputStream().read(); // until the server closes
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }, Thread::startVirtualThread));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ended[0] < connections && System.nanoTime() < deadline) {
                ctx.runOnce(WAIT);
            }
            assertThat(ended[0]).isEqualTo(connections);
            for (int c = 0; c < connections; c++) {
                assertThat(received[c]).as("bytes on connection %d", c).isEqualTo(perConnection);
                assertThat(crcs[c].getValue()).as("checksum on connection %d", c).isEqualTo(expected.getValue());
            }
            CompletableFuture<Void> allWritten = CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new));
            while (!allWritten.isDone() && System.nanoTime() < deadline) {
                ctx.runOnce(WAIT); // the closes reach the kernel with the next enter
            }
            allWritten.get(1, TimeUnit.SECONDS);
            UringBackend backend = (UringBackend) ctx.backend();
            System.out.printf("io_uring: %d provided-buffer exhaustions (ENOBUFS) recovered%n", backend.bufferExhaustions());
            assertThat(backend.bufferExhaustions()).as("the test really ran out of buffers").isPositive();
            listener.close();
        }
    }

    @Test
    void zeroCopySendsReallyUseSendZc() throws Exception {
        Assumptions.assumeTrue(UringProbe.support().sendZeroCopy(), "kernel without IORING_OP_SEND_ZC");
        try (IoContext ctx = IoContext.create("io_uring")) {
            TcpListener listener = TcpListener.bind(ctx, new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<TcpSocket> accepted = new CompletableFuture<>();
            listener.accept((ResultHandler<TcpSocket, Void>) (s, err, a) -> accepted.complete(s), null);
            try (Socket peer = new Socket()) {
                peer.connect(listener.localAddress(), 5000);
                while (!accepted.isDone()) {
                    ctx.runOnce(WAIT);
                }
                TcpSocket server = accepted.join();
                ByteBuffer src = ByteBuffer.allocateDirect(64 * 1024);
                AtomicInteger done = new AtomicInteger(-2);
                server.sendZeroCopy(src, (IoHandler<Void>) (n, err, a) -> done.set(err == null ? n : -1), null);
                CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> drain(peer, src.capacity()));
                while (done.get() == -2) {
                    ctx.runOnce(WAIT);
                }
                assertThat(done.get()).isPositive();
                assertThat(((UringBackend) ctx.backend()).zeroCopyNotifications()).isEqualTo(1);
                server.close();
                read.get(10, TimeUnit.SECONDS);
            }
            listener.close();
        }
    }

    private static int drain(Socket peer, int expected) {
        byte[] buf = new byte[65536];
        int total = 0;
        try {
            InputStream in = peer.getInputStream();
            while (total < expected) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                total += n;
            }
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        return total;
    }

    @Test
    void closingTheRingWithOperationsInFlightReleasesItsFdAndMappings() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "/proc is absent here");
        long ringFdsBefore = ringFds();
        long mapsBefore = ringMappings();
        AtomicInteger cancelled = new AtomicInteger();
        AtomicInteger calls = new AtomicInteger();
        IoContext ctx = IoContext.create("io_uring");
        TcpListener listener = TcpListener.bind(ctx, new InetSocketAddress("127.0.0.1", 0));
        Socket peer = new Socket();
        try {
            ResultHandler<TcpSocket, Void> onAccept = (s, err, a) -> {
                calls.incrementAndGet();
                if (err instanceof OperationCancelledException) cancelled.incrementAndGet();
            };
            for (int i = 0; i < 8; i++) {
                listener.accept(onAccept, null);
            }
            peer.connect(listener.localAddress(), 5000);
            // One of the nine accepts takes the connection; the rest stay in flight until close.
            CompletableFuture<TcpSocket> first = new CompletableFuture<>();
            listener.accept((ResultHandler<TcpSocket, Void>) (s, err, a) -> first.complete(s), null);
            while (calls.get() < 1 && !first.isDone()) {
                ctx.runOnce(WAIT);
            }
            assertThat(ringFds()).isEqualTo(ringFdsBefore + 1);
            ctx.poll();
        } finally {
            ctx.close();
            peer.close();
        }
        // Nine accepts were pending, one of them took the connection: the other eight end cancelled.
        int acceptedByOthers = calls.get() - cancelled.get();
        assertThat(calls.get()).as("each of the 8 accepts completed exactly once").isEqualTo(8);
        assertThat(cancelled.get()).isEqualTo(acceptedByOthers == 1 ? 7 : 8);
        assertThat(ringFds()).as("anon_inode:[io_uring] fds after close").isEqualTo(ringFdsBefore);
        assertThat(ringMappings()).as("io_uring mappings after close").isEqualTo(mapsBefore);
    }

    private static long ringFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().contains("io_uring");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    private static long ringMappings() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains("io_uring")).count();
        }
    }
}
