package dev.ringnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ringnet.cli.EchoServer.Transport;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/**
 * The TCP echo is the showcase of the callback form: once a connection is up, a round trip
 * allocates nothing on the loop thread (shared handlers, the connection as attachment, one buffer).
 *
 * <p>Measured on the {@code nio} backend only: what is under test here is the echo's own code. The
 * FFM backends (io_uring, epoll) reach zero only when the JIT scalar-replaces their per-call
 * {@code MemorySegment}s, which depends on its inlining decisions in the whole JVM; their own
 * allocation tests belong to ringnet-core.
 */
class EchoAllocationTest {
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 20_000;
    private static final int WINDOWS = 5;

    @Test
    void tcpRoundTripAllocatesNothingOnTheLoopThread() throws Exception {
        String backend = "nio";
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "per-thread allocation counters unsupported");
        threads.setThreadAllocatedMemoryEnabled(true);
        try (EchoServer server = EchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Transport.TCP, backend, new PrintStream(PrintStream.nullOutputStream()));
             Socket s = new Socket()) {
            s.connect(server.address(), 10_000);
            s.setSoTimeout(10_000);
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            byte[] message = new byte[64];
            long loop = server.loopThread().threadId();

            roundTrips(out, in, message, WARM_UP);
            // Steady state is what counts: measure windows until one is clean, so that the JIT
            // finishing its work late cannot fail the test, while an allocation in every round
            // trip shows in every window.
            long best = Long.MAX_VALUE;
            for (int window = 0; window < WINDOWS && best >= MEASURED; window++) {
                long before = threads.getThreadAllocatedBytes(loop);
                roundTrips(out, in, message, MEASURED);
                long allocated = threads.getThreadAllocatedBytes(loop) - before;
                assertThat(before).as("allocation counter of the loop thread").isPositive();
                best = Math.min(best, allocated);
            }
            assertThat((double) best / MEASURED)
                    .as("bytes allocated on the loop thread per round trip (best window: %d B over %d, backend %s)",
                            best, MEASURED, backend)
                    .isLessThan(1.0);
        }
    }

    private static void roundTrips(OutputStream out, InputStream in, byte[] message, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            message[0] = (byte) i;
            out.write(message);
            int got = 0;
            while (got < message.length) {
                int n = in.read(message, got, message.length - got);
                assertThat(n).isPositive();
                got += n;
            }
            assertThat(message[0]).isEqualTo((byte) i);
        }
    }
}
