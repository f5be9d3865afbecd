package dev.ringnet.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.IoContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class StageClientTest {

    @Test
    void completesWithTheReply() throws Exception {
        try (IoContext ctx = IoContext.create()) {
            ctx.start();
            try (CallbackEchoServer server = CallbackEchoServer.start(ctx, 0)) {
                assertThat(StageClient.request(ctx, server.address(), "hi", Duration.ofSeconds(5)).toCompletableFuture())
                        .succeedsWithin(Duration.ofSeconds(10))
                        .isEqualTo("hi");
            }
        }
    }

    @Test
    void failsWithTimeoutWhenNoReplyComes() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        // The kernel completes the handshake from the backlog; nobody ever reads or answers.
        try (ServerSocket silent = new ServerSocket(0, 50, loopback); IoContext ctx = IoContext.create()) {
            ctx.start();
            var reply = StageClient.request(ctx, new InetSocketAddress(loopback, silent.getLocalPort()), "hello?",
                    Duration.ofMillis(200)).toCompletableFuture();
            assertThat(reply)
                    .failsWithin(Duration.ofSeconds(10))
                    .withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(TimeoutException.class);
            // Read on the loop thread, where the count is exact: no operation or timer is left behind.
            assertThat(CompletableFuture.supplyAsync(ctx::pendingCount, ctx).get(5, TimeUnit.SECONDS)).isZero();
        }
    }
}
