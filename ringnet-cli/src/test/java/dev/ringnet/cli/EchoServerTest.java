package dev.ringnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringnet.cli.EchoServer.Transport;
import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.Backends;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The echo service in process, on every backend available here. */
class EchoServerTest {
    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final int IO_TIMEOUT_MILLIS = 10_000;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
    private EchoServer server;

    /** ringnet's loggers; held here so that the handler stays attached. */
    private final Logger ringnetLog = Logger.getLogger("dev.ringnet");
    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Handler warningCollector = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void collectWarnings() {
        ringnetLog.addHandler(warningCollector);
    }

    static Stream<String> backends() {
        return Backends.all().stream().filter(BackendInfo::available).map(BackendInfo::name);
    }

    @AfterEach
    void stopServerAndCheckTheLog() {
        if (server != null) {
            server.close();
        }
        ringnetLog.removeHandler(warningCollector);
        // A handler that throws (say, submitting while the loop closes) is only logged by the loop.
        assertThat(warnings).extracting(r -> r.getMessage() + ": " + r.getThrown()).isEmpty();
    }

    private EchoServer start(Transport transport, String backend) throws IOException {
        server = EchoServer.start(ANY_LOOPBACK_PORT, transport, backend, log);
        assertThat(server.address().getPort()).isPositive();
        assertThat(server.backendName()).isEqualTo(backend);
        assertThat(server.loopThread().isAlive()).isTrue();
        return server;
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(server.address(), IO_TIMEOUT_MILLIS);
        s.setSoTimeout(IO_TIMEOUT_MILLIS);
        return s;
    }

    private static void assertRoundTrip(Socket s, byte[] message) throws IOException {
        s.getOutputStream().write(message);
        s.getOutputStream().flush();
        assertThat(s.getInputStream().readNBytes(message.length)).isEqualTo(message);
    }

    private void assertStops() throws InterruptedException {
        assertThat(server.stop()).as("stop() stops a running server").isTrue();
        assertThat(server.awaitTermination(STOP_TIMEOUT)).as("loop thread ended").isTrue();
        assertThat(server.loopThread().isAlive()).isFalse();
        assertThat(server.failure()).isEmpty();
        assertThat(server.stop()).as("a second stop() has nothing to do").isFalse();
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).as("service log").isEmpty();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void tcpEchoesSeveralClientsThenStops(String backend) throws Exception {
        start(Transport.TCP, backend);
        try (Socket a = connect(); Socket b = connect()) {
            assertRoundTrip(a, "hello\n".getBytes(StandardCharsets.US_ASCII));
            assertRoundTrip(b, "from b".getBytes(StandardCharsets.US_ASCII));
            assertRoundTrip(a, "again".getBytes(StandardCharsets.US_ASCII));

            assertStops();

            // Closing the server closed its connections and its listener.
            assertThat(a.getInputStream().read()).isEqualTo(-1);
            assertThat(b.getInputStream().read()).isEqualTo(-1);
            assertThatThrownBy(() -> {
                try (Socket late = new Socket()) {
                    late.connect(server.address(), IO_TIMEOUT_MILLIS);
                }
            }).isInstanceOf(ConnectException.class);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void tcpEchoesMoreThanItsBufferWhileTheClientStreams(String backend) throws Exception {
        start(Transport.TCP, backend);
        byte[] payload = new byte[4 << 20]; // 256 times the connection's buffer: many partial reads and sends
        new Random(42).nextBytes(payload);
        try (Socket s = connect()) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream o = s.getOutputStream();
                    for (int off = 0; off < payload.length; off += 100_000) {
                        o.write(payload, off, Math.min(100_000, payload.length - off));
                    }
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            InputStream in = s.getInputStream();
            assertThat(in.readNBytes(payload.length)).isEqualTo(payload);
            writer.get(IO_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            // Our end of stream reached the server: it closes its side too.
            assertThat(in.read()).isEqualTo(-1);
        }
        assertStops();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void udpEchoesEachDatagramToItsSenderThenStops(String backend) throws Exception {
        start(Transport.UDP, backend);
        try (DatagramSocket a = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket b = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            a.setSoTimeout(IO_TIMEOUT_MILLIS);
            b.setSoTimeout(IO_TIMEOUT_MILLIS);
            Random random = new Random(7);
            for (int size : new int[] {1, 5, 1400, 9000, 60_000}) {
                byte[] message = new byte[size];
                random.nextBytes(message);
                DatagramSocket client = size % 2 == 0 ? a : b;
                client.send(new DatagramPacket(message, message.length, server.address()));
                DatagramPacket reply = new DatagramPacket(new byte[65_536], 65_536);
                client.receive(reply);
                assertThat(reply.getSocketAddress()).isEqualTo(server.address());
                assertThat(java.util.Arrays.copyOfRange(reply.getData(), 0, reply.getLength()))
                        .as("%d-byte datagram", size).isEqualTo(message);
            }
        }
        assertStops();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void udpEchoesAnEmptyDatagram(String backend) throws Exception {
        start(Transport.UDP, backend);
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            client.setSoTimeout(IO_TIMEOUT_MILLIS);
            client.send(new DatagramPacket(new byte[0], 0, server.address()));
            DatagramPacket reply = new DatagramPacket(new byte[16], 16);
            client.receive(reply);
            assertThat(reply.getLength()).isZero();
            // and the service carries on
            client.send(new DatagramPacket(new byte[] {42}, 1, server.address()));
            client.receive(reply);
            assertThat(reply.getLength()).isEqualTo(1);
            assertThat(reply.getData()[0]).isEqualTo((byte) 42);
        }
        assertStops();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void stopsWhileAClientWaitsForAReply(String backend) throws Exception {
        start(Transport.TCP, backend);
        try (Socket s = connect()) {
            assertRoundTrip(s, new byte[] {1, 2, 3});
            // The server now has a recv pending on this connection; stop it from another thread.
            CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(server::stop);
            assertThat(stopped.get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(server.loopThread().isAlive()).isFalse();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void stopsWhileClientsStream(String backend) throws Exception {
        start(Transport.TCP, backend);
        List<Socket> clients = List.of(connect(), connect(), connect());
        List<CompletableFuture<Void>> pumps = new java.util.ArrayList<>();
        try {
            for (Socket s : clients) {
                assertRoundTrip(s, new byte[] {9});
                // Write and read as fast as possible until the server goes away.
                pumps.add(CompletableFuture.runAsync(() -> {
                    byte[] chunk = new byte[8192];
                    try {
                        while (true) {
                            s.getOutputStream().write(chunk);
                            if (s.getInputStream().read(chunk) < 0) {
                                return;
                            }
                        }
                    } catch (IOException expected) {
                        // reset or closed by the server's close
                    }
                }));
            }
            for (Socket s : clients) {
                // make sure traffic flows on every connection before stopping
                assertThat(s.getInputStream().available()).isGreaterThanOrEqualTo(0);
            }
            assertStops();
            CompletableFuture.allOf(pumps.toArray(CompletableFuture[]::new)).get(IO_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } finally {
            for (Socket s : clients) {
                s.close();
            }
        }
    }
}
