package dev.ringnet.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.conformance.BackendSource;
import dev.ringnet.io.IoHandler;
import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.IoContext;
import dev.ringnet.net.SocketOptions;
import dev.ringnet.net.TcpSocket;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** ServerContext on every backend and with both accept strategies. */
@Timeout(60)
class ServerContextTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    static Stream<Arguments> backendsAndStrategies() {
        return BackendSource.backends().flatMap(b -> Stream.of(AcceptStrategy.values())
                .map(s -> Arguments.of(b.get()[0], s)));
    }

    /** An echo connection in callback form: echoes until the peer closes, then closes. */
    static final class Echo {
        final TcpSocket socket;
        final ByteBuffer buf = ByteBuffer.allocateDirect(1024);
        static final IoHandler<Echo> READ = (n, err, e) -> {
            if (err != null || n < 0) {
                e.socket.close();
                return;
            }
            e.buf.flip();
            e.socket.sendAll(e.buf, Echo.WRITTEN, e);
        };
        static final IoHandler<Echo> WRITTEN = (n, err, e) -> {
            if (err != null) {
                e.socket.close();
                return;
            }
            e.buf.clear();
            e.socket.recv(e.buf, Echo.READ, e);
        };

        Echo(TcpSocket socket) {
            this.socket = socket;
        }

        void start() {
            socket.recv(buf, READ, this);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndStrategies")
    void connectionsAreSpreadOverTheWorkersAndServedOnTheirThreads(BackendInfo info, AcceptStrategy strategy)
            throws Exception {
        BackendSource.assumeAvailable(info);
        int workers = 4;
        int clients = 40;
        Map<String, AtomicInteger> perThread = new ConcurrentHashMap<>();
        AtomicInteger offLoop = new AtomicInteger();
        try (ServerContext server = ServerContext.builder().workers(workers).backend(info.name())
                .acceptStrategy(strategy).build()) {
            assertThat(server.backendName()).isEqualTo(info.name());
            InetSocketAddress address = server.listen(LOOPBACK, SocketOptions.defaults(), (socket, loop) -> {
                if (!loop.inEventLoop()) {
                    offLoop.incrementAndGet();
                }
                perThread.computeIfAbsent(Thread.currentThread().getName(), k -> new AtomicInteger()).incrementAndGet();
                new Echo(socket).start();
            });
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    Socket s = new Socket();
                    open.add(s);
                    s.connect(address, 5000);
                    byte[] msg = ("hello " + i).getBytes(StandardCharsets.UTF_8);
                    s.getOutputStream().write(msg);
                    byte[] back = new byte[msg.length];
                    new DataInputStream(s.getInputStream()).readFully(back);
                    assertThat(back).isEqualTo(msg);
                }
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
            assertThat(offLoop.get()).isZero();
            assertThat(perThread.keySet()).allMatch(name -> name.startsWith("ringnet-worker-") && !name.endsWith("acceptor"));
            int total = perThread.values().stream().mapToInt(AtomicInteger::get).sum();
            assertThat(total).isEqualTo(clients);
            if (strategy == AcceptStrategy.ACCEPTOR) {
                // Round robin: every worker got exactly its share.
                assertThat(perThread).hasSize(workers);
                assertThat(perThread.values()).allMatch(n -> n.get() == clients / workers);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndStrategies")
    void gracefulShutdownWaitsForConnectionsThenClosesEverything(BackendInfo info, AcceptStrategy strategy)
            throws Exception {
        BackendSource.assumeAvailable(info);
        long fdsBefore = openFds();
        ServerContext server = ServerContext.builder().workers(2).backend(info.name()).acceptStrategy(strategy).build();
        Set<Thread> loopThreads = ConcurrentHashMap.newKeySet();
        List<TcpSocket> served = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch accepted = new CountDownLatch(3);
        InetSocketAddress address = server.listen(LOOPBACK, SocketOptions.defaults(), (socket, loop) -> {
            loopThreads.add(Thread.currentThread());
            served.add(socket);
            new Echo(socket).start();
            accepted.countDown();
        });
        // The drain signal: the application closes its connections on each worker.
        AtomicInteger drained = new AtomicInteger();
        server.onDrain(loop -> {
            drained.incrementAndGet();
            served.removeIf(s -> {
                if (s.context() == loop) {
                    s.close();
                    return true;
                }
                return false;
            });
        });
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket s = new Socket();
            s.connect(address, 5000);
            clients.add(s);
        }
        assertThat(accepted.await(20, SECONDS)).isTrue();
        assertThat(server.shutdown(Duration.ofSeconds(10))).as("drained within the grace period").isTrue();
        assertThat(drained.get()).isEqualTo(2);
        for (Socket s : clients) {
            assertThat(s.getInputStream().read()).as("the server closed the connection").isEqualTo(-1);
            s.close();
        }
        for (Thread t : loopThreads) {
            assertThat(t.join(Duration.ofSeconds(10))).as("loop thread %s ended", t.getName()).isTrue();
        }
        for (IoContext w : server.workers()) {
            assertThat(w.isClosed()).isTrue();
        }
        assertThat(openFds()).as("fds after shutdown").isLessThanOrEqualTo(fdsBefore);
        try (Socket late = new Socket()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> late.connect(address, 2000))
                    .isInstanceOf(IOException.class);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndStrategies")
    void aShutdownWhoseConnectionsOutliveTheGraceClosesThemAnyway(BackendInfo info, AcceptStrategy strategy)
            throws Exception {
        BackendSource.assumeAvailable(info);
        ServerContext server = ServerContext.builder().workers(2).backend(info.name()).acceptStrategy(strategy).build();
        CountDownLatch accepted = new CountDownLatch(1);
        InetSocketAddress address = server.listen(LOOPBACK, SocketOptions.defaults(), (socket, loop) -> {
            new Echo(socket).start(); // never closed by the application
            accepted.countDown();
        });
        try (Socket client = new Socket()) {
            client.connect(address, 5000);
            assertThat(accepted.await(20, SECONDS)).isTrue();
            long start = System.nanoTime();
            assertThat(server.shutdown(Duration.ofMillis(200))).as("not drained").isFalse();
            assertThat(System.nanoTime() - start).isLessThan(SECONDS.toNanos(10));
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }

    private static long openFds() throws IOException {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return Long.MAX_VALUE;
        }
        try (Stream<Path> s = Files.list(fds)) {
            return s.count();
        }
    }
}
