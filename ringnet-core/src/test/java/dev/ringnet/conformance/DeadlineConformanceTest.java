package dev.ringnet.conformance;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.io.IoHandler;
import dev.ringnet.io.OperationTimeoutException;
import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.IoContext;
import dev.ringnet.net.TcpListener;
import dev.ringnet.net.TcpSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

/** A receive with its own deadline, on every backend (a kernel linked timeout on io_uring, a loop timer elsewhere). */
@Timeout(60)
class DeadlineConformanceTest {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        cleanup.add(resource);
        return resource;
    }

    private record Connected(IoContext ctx, TcpSocket server, Socket peer) {}

    private Connected connect(BackendInfo info) throws Exception {
        BackendSource.assumeAvailable(info);
        IoContext ctx = track(IoContext.create(info.name()));
        ctx.start("deadline-" + info.name());
        TcpListener listener = track(TcpListener.bind(ctx, new InetSocketAddress("127.0.0.1", 0)));
        CompletableFuture<TcpSocket> accepting = listener.acceptAsync().toCompletableFuture();
        Socket peer = track(new Socket());
        peer.connect(listener.localAddress(), 5000);
        return new Connected(ctx, track(accepting.get(20, SECONDS)), peer);
    }

    @BackendTest
    void aRecvWithNothingToReadTimesOutOnceAndTheSocketStaysUsable(BackendInfo info) throws Exception {
        Connected c = connect(info);
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<IOException> outcome = new CompletableFuture<>();
        long started = System.nanoTime();
        c.ctx().post(() -> c.server().recv(ByteBuffer.allocate(16), Duration.ofMillis(50), (IoHandler<Void>) (n, err, a) -> {
            calls.incrementAndGet();
            outcome.complete(err);
        }, null));
        assertThat(outcome.get(20, SECONDS)).isInstanceOf(OperationTimeoutException.class);
        assertThat(System.nanoTime() - started).as("not before its deadline").isGreaterThanOrEqualTo(45_000_000L);
        // The socket is still good: the next receive gets what the peer sends.
        c.peer().getOutputStream().write(new byte[] {1, 2, 3});
        ByteBuffer buf = ByteBuffer.allocate(16);
        assertThat(c.server().recvAsync(buf, Duration.ofSeconds(10)).toCompletableFuture().get(20, SECONDS)).isEqualTo(3);
        c.ctx().close();
        assertThat(calls.get()).isEqualTo(1);
    }

    @BackendTest
    void dataBeforeTheDeadlineWinsAndNothingFiresLater(BackendInfo info) throws Exception {
        Connected c = connect(info);
        c.peer().getOutputStream().write(new byte[] {9});
        ByteBuffer buf = ByteBuffer.allocate(4);
        assertThat(c.server().recvAsync(buf, Duration.ofMillis(200)).toCompletableFuture().get(20, SECONDS)).isEqualTo(1);
        // Outlive the deadline, then check the loop has nothing of that receive left.
        c.ctx().sleepAsync(Duration.ofMillis(300)).toCompletableFuture().get(20, SECONDS);
        CompletableFuture<Integer> pending = new CompletableFuture<>();
        c.ctx().post(() -> pending.complete(c.ctx().pendingCount()));
        assertThat(pending.get(20, SECONDS)).isZero();
    }

    @BackendTest
    void theBlockingFormThrowsTheTimeout(BackendInfo info) throws Exception {
        Connected c = connect(info);
        var task = c.ctx().spawn(() -> c.server().recv(ByteBuffer.allocate(8), Duration.ofMillis(30)));
        try {
            task.join();
            throw new AssertionError("expected a timeout");
        } catch (java.util.concurrent.CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(OperationTimeoutException.class);
        }
    }
}
