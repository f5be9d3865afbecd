package dev.ringnet.examples;

import dev.ringnet.loop.IoContext;
import dev.ringnet.net.TcpSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * A request/response client in the {@code CompletionStage} form: connect, send, then wait for the
 * reply with {@link IoContext#withTimeout}. A reply that does not come in time fails the stage with
 * {@link java.util.concurrent.TimeoutException}, and the pending receive is cancelled in the
 * backend, not abandoned.
 *
 * <p>Run: {@code java dev.ringnet.examples.StageClient [host] [port] [message]} against an echo
 * server.
 */
public final class StageClient {
    private StageClient() {}

    /**
     * Sends {@code message} to {@code server} and completes with the first bytes it answers, or
     * fails with {@code TimeoutException} when nothing arrives within {@code replyTimeout}. Callable
     * from any thread while the loop runs.
     */
    public static CompletionStage<String> request(IoContext ctx, InetSocketAddress server, String message,
                                                  Duration replyTimeout) {
        return TcpSocket.connectAsync(ctx, server).thenCompose(socket -> {
            ByteBuffer out = ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8));
            ByteBuffer in = ByteBuffer.allocate(4096);
            return socket.sendAllAsync(out)
                    .thenCompose(sent -> ctx.withTimeout(replyTimeout, () -> socket.recvAsync(in)))
                    .thenApply(n -> n < 0 ? "" : new String(in.array(), 0, in.position(), StandardCharsets.UTF_8))
                    .whenComplete((reply, error) -> socket.close());    // success or failure
        });
    }

    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "localhost";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 7000;
        String message = args.length > 2 ? args[2] : "hello, ringnet";
        try (IoContext ctx = IoContext.create()) {
            ctx.start();
            request(ctx, new InetSocketAddress(host, port), message, Duration.ofSeconds(2))
                    .whenComplete((reply, error) -> System.out.println(
                            error == null ? "reply: " + reply : "failed: " + error))
                    .exceptionally(error -> null)
                    .toCompletableFuture().join();
        }
    }
}
