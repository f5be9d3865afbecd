package dev.ringnet.conformance;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.io.ReceiveHandler;
import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.IoContext;
import dev.ringnet.net.TcpListener;
import dev.ringnet.net.TcpSocket;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;

/**
 * Closing a context frees all of its native memory: twenty contexts, each with sockets, pending
 * operations and (on io_uring) a provided-buffer ring of 4 MiB, leave the JVM's native
 * allocations where they were. Measured with Native Memory Tracking (the test JVM runs with
 * {@code -XX:NativeMemoryTracking=summary}; without it the test is skipped, visibly).
 */
@Timeout(120)
class NativeMemoryLeakTest {
    private static final Pattern OTHER = Pattern.compile("-\\s+Other \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");

    @BackendTest
    void closingContextsReleasesTheirNativeMemory(BackendInfo info) throws Exception {
        BackendSource.assumeAvailable(info);
        Assumptions.assumeTrue(otherCommittedKb() >= 0, "Native Memory Tracking is off in this JVM");
        cycle(info, 3); // warm up: class loading, JIT, the JDK's own caches
        long before = otherCommittedKb();
        int cycles = 20;
        cycle(info, cycles);
        long after = otherCommittedKb();
        System.out.printf("%s: native memory (NMT Other) %d KB before, %d KB after %d contexts%n",
                info.name(), before, after, cycles);
        // A leaked provided-buffer ring alone would be 4 MiB per context, NIO's lent buffer 64 KiB.
        assertThat(after - before).as("native KB retained after %d closed contexts", cycles).isLessThan(512);
    }

    private static void cycle(BackendInfo info, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            try (IoContext ctx = IoContext.create(info.name())) {
                ctx.start("nmt-" + info.name());
                TcpListener listener = TcpListener.bind(ctx, new InetSocketAddress("127.0.0.1", 0));
                CompletableFuture<TcpSocket> accepted = listener.acceptAsync().toCompletableFuture();
                try (Socket peer = new Socket()) {
                    peer.connect(listener.localAddress(), 5000);
                    TcpSocket server = accepted.get(20, SECONDS);
                    CompletableFuture<Void> receiving = new CompletableFuture<>();
                    ctx.post(() -> {
                        server.recvMany((ReceiveHandler<Void>) (data, err, a) -> receiving.complete(null), null);
                        server.sendAll(ByteBuffer.allocate(4096), (n, err, a) -> { }, null);
                    });
                    peer.getOutputStream().write(new byte[64]);
                    receiving.get(20, SECONDS);
                    // Left pending on purpose: the recvMany, and an accept; close must end them.
                    listener.acceptAsync();
                }
            }
        }
    }

    /** Committed KB of NMT's "Other" category (FFM arenas and direct buffers live there), or -1. */
    private static long otherCommittedKb() throws Exception {
        System.gc(); // direct buffers are freed by their cleaners after a collection
        String summary = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
        Matcher m = OTHER.matcher(summary);
        return m.find() ? Long.parseLong(m.group(2)) : -1;
    }
}
