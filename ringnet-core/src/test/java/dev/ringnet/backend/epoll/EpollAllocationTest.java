package dev.ringnet.backend.epoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.backend.Op;
import dev.ringnet.io.IoHandler;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * In steady state an echo round trip (client SEND_ALL, server RECV, server SEND_ALL, client RECV,
 * all through the op table and the backend's polls) allocates nothing on the polling thread.
 *
 * <p>Why rounds: the JDK's downcall chain allocates a small object per errno-capturing call until
 * C2 has compiled the caller (see {@code SyscallsAllocationTest}). So the test runs rounds of
 * {@value #ROUNDS} round trips until one allocates (almost) nothing; a real per-op allocation
 * (boxing, a per-op object, an exception) would show in every round and fail.
 */
@Timeout(120)
class EpollAllocationTest {
    private static final int ROUNDS = 10_000;
    private static final int MAX_ROUNDS = 60;
    /** "Almost nothing" for a whole round: a stray one-off, nothing per round trip. */
    private static final long BUDGET = 1024;

    /** Ping-pong of 64 bytes between two sockets of one backend; counts round trips. */
    static final class PingPong {
        final Harness h;
        final int client;
        final int server;
        final ByteBuffer clientBuf = ByteBuffer.allocateDirect(256);
        final ByteBuffer serverBuf = ByteBuffer.allocateDirect(256);
        long roundTrips;
        IOException failure;

        final IoHandler<PingPong> serverRead = (n, err, p) -> {
            if (err != null || n < 0) { p.fail(err); return; }
            p.serverBuf.flip();
            p.h.submit(Op.SEND_ALL, p.server, p.serverBuf, p.serverWritten, p);
        };
        final IoHandler<PingPong> serverWritten = (n, err, p) -> {
            if (err != null) { p.fail(err); return; }
            p.serverBuf.clear();
            p.h.submit(Op.RECV, p.server, p.serverBuf, p.serverRead, p);
        };
        final IoHandler<PingPong> clientWritten = (n, err, p) -> {
            if (err != null) { p.fail(err); return; }
            p.clientBuf.clear().limit(64);
            p.h.submit(Op.RECV, p.client, p.clientBuf, p.clientRead, p);
        };
        final IoHandler<PingPong> clientRead = (n, err, p) -> {
            if (err != null || n < 0) { p.fail(err); return; }
            if (p.clientBuf.hasRemaining()) { // a short read: wait for the rest
                p.h.submit(Op.RECV, p.client, p.clientBuf, p.clientRead, p);
                return;
            }
            p.roundTrips++;
            p.ping();
        };

        PingPong(Harness h, int[] pair) {
            this.h = h;
            this.client = pair[0];
            this.server = pair[1];
        }

        void start() {
            h.submit(Op.RECV, server, serverBuf, serverRead, this);
            ping();
        }

        void ping() {
            clientBuf.clear().limit(64);
            h.submit(Op.SEND_ALL, client, clientBuf, clientWritten, this);
        }

        void fail(IOException err) {
            failure = err != null ? err : new IOException("unexpected end of stream");
        }

        void runUntil(long target) throws IOException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (roundTrips < target && failure == null) {
                h.backend.poll(1_000_000_000L);
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("ping-pong stalled at " + roundTrips + " round trips");
                }
            }
            assertThat(failure).isNull();
        }
    }

    @Test
    void steadyStateEchoRoundTripAllocatesNothingOnThePollingThread() throws IOException {
        EpollProbe.Support support = EpollProbe.support();
        Assumptions.assumeTrue(support.available(), () -> "epoll unavailable here: " + support.detail());
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        try (Harness h = new Harness()) {
            PingPong p = new PingPong(h, h.pair());
            p.start();
            List<Long> seen = new ArrayList<>();
            for (int r = 0; r < MAX_ROUNDS; r++) {
                long start = p.roundTrips;
                long before = threads.getThreadAllocatedBytes(tid);
                p.runUntil(start + ROUNDS);
                long allocated = threads.getThreadAllocatedBytes(tid) - before;
                seen.add(allocated);
                if (allocated < BUDGET) {
                    System.out.printf("epoll echo: bytes allocated per round of %d round trips until steady: %s%n",
                            ROUNDS, seen);
                    return;
                }
            }
            throw new AssertionError("no round of " + ROUNDS + " echo round trips stayed under " + BUDGET
                    + " bytes allocated on the polling thread; per round: " + seen);
        }
    }
}
