package dev.ringnet.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.io.IoHandler;
import dev.ringnet.io.ResultHandler;
import dev.ringnet.net.TcpListener;
import dev.ringnet.net.TcpSocket;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import dev.ringnet.conformance.BackendSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;
import org.junit.jupiter.api.Timeout;

/**
 * The callback form's promise: in steady state a round trip allocates nothing on the loop thread.
 * A client and an echo server share one loop driven by this test's thread, so the thread's
 * allocation counter sees everything the loop, the backend and the handlers allocate.
 */
class CallbackAllocationTest {

    /** Ping-pong of 64 bytes; counts completed round trips. */
    static final class PingPong {
        final ByteBuffer serverBuf = ByteBuffer.allocateDirect(256);
        final ByteBuffer clientBuf = ByteBuffer.allocateDirect(256);
        TcpSocket server;
        TcpSocket client;
        long roundTrips;
        IOException failure;

        final IoHandler<PingPong> serverRead = (n, err, p) -> {
            if (err != null || n < 0) { p.fail(err); return; }
            p.serverBuf.flip();
            p.server.sendAll(p.serverBuf, p.serverWritten, p);
        };
        final IoHandler<PingPong> serverWritten = (n, err, p) -> {
            if (err != null) { p.fail(err); return; }
            p.serverBuf.clear();
            p.server.recv(p.serverBuf, p.serverRead, p);
        };
        final IoHandler<PingPong> clientWritten = (n, err, p) -> {
            if (err != null) { p.fail(err); return; }
            p.clientBuf.clear().limit(64);
            p.client.recv(p.clientBuf, p.clientRead, p);
        };
        final IoHandler<PingPong> clientRead = (n, err, p) -> {
            if (err != null || n < 0) { p.fail(err); return; }
            if (p.clientBuf.hasRemaining()) { // a short read: wait for the rest
                p.client.recv(p.clientBuf, p.clientRead, p);
                return;
            }
            p.roundTrips++;
            p.ping();
        };

        void ping() {
            clientBuf.clear().limit(64);
            client.sendAll(clientBuf, clientWritten, this);
        }

        void fail(IOException err) {
            failure = err != null ? err : new IOException("unexpected end of stream");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(BackendSource.class)
    @Timeout(60)
    void steadyStateRoundTripAllocatesNothingOnTheLoopThread(BackendInfo info) throws Exception {
        BackendSource.assumeAvailable(info);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (IoContext ctx = IoContext.create(info.name())) {
            TcpListener listener = TcpListener.bind(ctx, new InetSocketAddress("127.0.0.1", 0));
            PingPong p = new PingPong();
            listener.accept((ResultHandler<TcpSocket, PingPong>) (s, err, pp) -> pp.server = s, p);
            TcpSocket.connect(ctx, listener.localAddress(), (ResultHandler<TcpSocket, PingPong>) (s, err, pp) -> pp.client = s, p);
            while (p.server == null || p.client == null) {
                ctx.runOnce(Duration.ofSeconds(1));
            }
            p.server.recv(p.serverBuf, p.serverRead, p);
            p.ping();

            // Measure in rounds until one is clean: the JIT's escape analysis removes the JDK's own
            // per-call objects only once it has compiled the path, and when that happens varies.
            long tid = Thread.currentThread().threadId();
            double perRoundTrip = Double.MAX_VALUE;
            long giveUp = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(25);
            while (perRoundTrip >= 1.0 && p.failure == null && System.nanoTime() < giveUp) {
                long before = threads.getThreadAllocatedBytes(tid);
                long start = p.roundTrips;
                runUntil(ctx, p, start + 10_000);
                perRoundTrip = (double) (threads.getThreadAllocatedBytes(tid) - before) / (p.roundTrips - start);
            }
            System.out.printf("callback echo on %s: %.2f bytes allocated per round trip on the loop thread%n",
                    info.name(), perRoundTrip);
            assertThat(p.failure).isNull();
            // A round trip is 4 operations; a steady state allocating anything per operation shows
            // as at least several bytes per round trip in every round.
            assertThat(perRoundTrip).isLessThan(1.0);
            listener.close();
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(1);

    private static void runUntil(IoContext ctx, PingPong p, long roundTrips) {
        while (p.roundTrips < roundTrips && p.failure == null) {
            ctx.runOnce(WAIT);
        }
    }
}
