package dev.ringnet.conformance;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.io.IoHandler;
import dev.ringnet.io.OperationCancelledException;
import dev.ringnet.io.ReceiveHandler;
import dev.ringnet.io.ResultHandler;
import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.IoContext;
import dev.ringnet.net.TcpListener;
import dev.ringnet.net.TcpSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

/**
 * Multishot accept and receive, and zero-copy send, on every backend: the same contract whether the
 * kernel does it (io_uring's multishot ops, provided buffers, SEND_ZC) or the backend emulates it.
 */
@Timeout(60)
class MultishotConformanceTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    private static final long WAIT = 20;

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

    private IoContext started(BackendInfo info) throws IOException {
        BackendSource.assumeAvailable(info);
        IoContext ctx = track(IoContext.create(info.name()));
        ctx.start("multishot-" + info.name());
        return ctx;
    }

    private static <T> T onLoop(IoContext ctx, java.util.concurrent.Callable<T> body) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        ctx.post(() -> {
            try {
                f.complete(body.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f.get(WAIT, SECONDS);
    }

    @BackendTest
    void acceptManyAcceptsEveryConnectionThenEndsOnceWhenCancelled(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        TcpListener listener = track(TcpListener.bind(ctx, LOOPBACK));
        int clients = 20;
        CountDownLatch accepted = new CountDownLatch(clients);
        CountDownLatch ended = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<IOException> last = new AtomicReference<>();
        List<TcpSocket> sockets = new CopyOnWriteArrayList<>();
        ResultHandler<TcpSocket, Void> handler = (socket, err, a) -> {
            calls.incrementAndGet();
            if (err != null) {
                last.set(err);
                ended.countDown();
            } else {
                sockets.add(socket);
                accepted.countDown();
            }
        };
        long id = onLoop(ctx, () -> listener.acceptMany(handler, null));
        for (int i = 0; i < clients; i++) {
            Socket s = track(new Socket());
            s.connect(listener.localAddress(), 5000);
        }
        assertThat(accepted.await(WAIT, SECONDS)).as("every connection accepted").isTrue();
        assertThat(onLoop(ctx, () -> ctx.cancel(id))).isTrue();
        assertThat(ended.await(WAIT, SECONDS)).as("a final callback after cancel").isTrue();
        assertThat(last.get()).isInstanceOf(OperationCancelledException.class);
        assertThat(onLoop(ctx, () -> calls.get())).isEqualTo(clients + 1);
        for (TcpSocket s : sockets) {
            s.close();
        }
        // The listener still works for single accepts after its multishot ended.
        CompletableFuture<TcpSocket> one = listener.acceptAsync().toCompletableFuture();
        track(new Socket()).connect(listener.localAddress(), 5000);
        one.get(WAIT, SECONDS).close();
    }

    @BackendTest
    void acceptManyEndsOnceWhenTheListenerCloses(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        TcpListener listener = TcpListener.bind(ctx, LOOPBACK);
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<IOException> end = new CompletableFuture<>();
        onLoop(ctx, () -> listener.acceptMany((s, err, a) -> {
            calls.incrementAndGet();
            if (err != null) end.complete(err);
        }, null));
        listener.close();
        assertThat(end.get(WAIT, SECONDS)).isInstanceOf(OperationCancelledException.class);
        ctx.close();
        assertThat(calls.get()).isEqualTo(1);
    }

    @BackendTest
    void recvManyDeliversTheStreamInOrderThenEndOfStream(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        TcpListener listener = track(TcpListener.bind(ctx, LOOPBACK));
        CompletableFuture<TcpSocket> accepting = listener.acceptAsync().toCompletableFuture();
        Socket peer = track(new Socket());
        peer.connect(listener.localAddress(), 5000);
        TcpSocket server = track(accepting.get(WAIT, SECONDS));

        byte[] payload = new byte[1 << 20];
        new Random(42).nextBytes(payload);
        CRC32 expected = new CRC32();
        expected.update(payload);
        CRC32 got = new CRC32();
        AtomicLong bytes = new AtomicLong();
        AtomicInteger lastCalls = new AtomicInteger();
        CompletableFuture<IOException> end = new CompletableFuture<>();
        ReceiveHandler<Void> handler = (data, err, a) -> {
            if (data == null) {
                lastCalls.incrementAndGet();
                end.complete(err);
                return;
            }
            bytes.addAndGet(data.remaining());
            got.update(data); // consumed inside the call: the buffer is only lent
        };
        onLoop(ctx, () -> server.recvMany(handler, null));
        try (OutputStream out = peer.getOutputStream()) {
            for (int off = 0; off < payload.length; off += 7919) { // odd-sized writes
                out.write(payload, off, Math.min(7919, payload.length - off));
            }
            peer.shutdownOutput();
        }
        assertThat(end.get(WAIT, SECONDS)).as("end of stream has no error").isNull();
        assertThat(bytes.get()).isEqualTo(payload.length);
        assertThat(got.getValue()).isEqualTo(expected.getValue());
        ctx.close();
        assertThat(lastCalls.get()).isEqualTo(1);
    }

    @BackendTest
    void cancellingRecvManyEndsItWithOneFinalCallback(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        TcpListener listener = track(TcpListener.bind(ctx, LOOPBACK));
        CompletableFuture<TcpSocket> accepting = listener.acceptAsync().toCompletableFuture();
        Socket peer = track(new Socket());
        peer.connect(listener.localAddress(), 5000);
        TcpSocket server = track(accepting.get(WAIT, SECONDS));
        AtomicInteger finals = new AtomicInteger();
        AtomicInteger chunks = new AtomicInteger();
        CompletableFuture<IOException> end = new CompletableFuture<>();
        CountDownLatch firstData = new CountDownLatch(1);
        long id = onLoop(ctx, () -> server.recvMany((data, err, a) -> {
            if (data == null) {
                finals.incrementAndGet();
                end.complete(err);
            } else {
                chunks.incrementAndGet();
                firstData.countDown();
            }
        }, null));
        peer.getOutputStream().write(new byte[100]);
        assertThat(firstData.await(WAIT, SECONDS)).isTrue();
        assertThat(ctx.cancel(id)).as("cancel from another thread").isTrue();
        assertThat(end.get(WAIT, SECONDS)).isInstanceOf(OperationCancelledException.class);
        assertThat(ctx.cancel(id)).as("a second cancel finds nothing").isFalse();
        // Bytes sent after the cancel stay in the socket for the next receive.
        peer.getOutputStream().write(new byte[] {7});
        ByteBuffer one = ByteBuffer.allocate(1);
        assertThat(server.recvAsync(one).toCompletableFuture().get(WAIT, SECONDS)).isEqualTo(1);
        assertThat(one.get(0)).isEqualTo((byte) 7);
        ctx.close();
        assertThat(finals.get()).isEqualTo(1);
        assertThat(chunks.get()).isGreaterThanOrEqualTo(1);
    }

    @BackendTest
    void aHandlerMayCloseItsSocketDuringRecvMany(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        TcpListener listener = track(TcpListener.bind(ctx, LOOPBACK));
        CompletableFuture<TcpSocket> accepting = listener.acceptAsync().toCompletableFuture();
        Socket peer = track(new Socket());
        peer.connect(listener.localAddress(), 5000);
        TcpSocket server = accepting.get(WAIT, SECONDS);
        AtomicInteger finals = new AtomicInteger();
        CompletableFuture<IOException> end = new CompletableFuture<>();
        onLoop(ctx, () -> server.recvMany((data, err, a) -> {
            if (data == null) {
                finals.incrementAndGet();
                end.complete(err);
            } else {
                server.close();
            }
        }, null));
        peer.getOutputStream().write(new byte[64]);
        assertThat(end.get(WAIT, SECONDS)).isInstanceOf(OperationCancelledException.class);
        assertThat(peer.getInputStream().read()).as("the peer sees the close").isEqualTo(-1);
        ctx.close();
        assertThat(finals.get()).isEqualTo(1);
    }

    @BackendTest
    void sendZeroCopyCompletesOnlyWhenTheBufferIsFree(BackendInfo info) throws Exception {
        IoContext ctx = started(info);
        TcpListener listener = track(TcpListener.bind(ctx, LOOPBACK));
        CompletableFuture<TcpSocket> accepting = listener.acceptAsync().toCompletableFuture();
        Socket peer = track(new Socket());
        peer.connect(listener.localAddress(), 5000);
        TcpSocket server = track(accepting.get(WAIT, SECONDS));

        int size = 4 << 20;
        byte[] payload = new byte[size];
        new Random(7).nextBytes(payload);
        CRC32 expected = new CRC32();
        expected.update(payload);
        ByteBuffer src = ByteBuffer.allocateDirect(size).put(payload).flip();
        CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
            CRC32 crc = new CRC32();
            byte[] buf = new byte[65536];
            int total = 0;
            try (InputStream in = peer.getInputStream()) {
                while (total < size) {
                    int n = in.read(buf);
                    if (n < 0) break;
                    crc.update(buf, 0, n);
                    total += n;
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            return crc.getValue() == expected.getValue() ? total : -total;
        });
        CompletableFuture<Void> sent = new CompletableFuture<>();
        IoHandler<Void> next = new IoHandler<>() {
            @Override
            public void onComplete(int n, IOException err, Void a) {
                if (err != null) {
                    sent.completeExceptionally(err);
                    return;
                }
                // The kernel is done with what it sent: scribbling over it must not reach the peer.
                int end = src.position();
                for (int i = Math.max(0, end - n); i < end; i++) {
                    src.put(i, (byte) ~src.get(i));
                }
                if (src.hasRemaining()) {
                    server.sendZeroCopy(src, this, null);
                } else {
                    sent.complete(null);
                }
            }
        };
        onLoop(ctx, () -> server.sendZeroCopy(src, next, null));
        sent.get(WAIT, SECONDS);
        assertThat(reader.get(WAIT, SECONDS)).as("bytes received intact").isEqualTo(size);
    }
}
