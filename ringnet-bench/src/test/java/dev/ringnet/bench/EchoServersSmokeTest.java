package dev.ringnet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.Backends;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The echo servers of the benchmark's echo shape other than ringnet's (see EchoLoadSmokeTest for
 * that one): Netty on each transport, the virtual-thread server and c-epoll's echo mode. Each must
 * return every byte in order on several connections, small ping-pongs and one message far larger
 * than any buffer, and must serve a short run of the real load generator without errors. A Netty
 * native transport that cannot load here, or c-epoll without gcc, is skipped with the reason.
 */
class EchoServersSmokeTest {

    static void check(int port) throws Exception {
        Socket[] conns = new Socket[4];
        try {
            for (int i = 0; i < conns.length; i++) {
                conns[i] = new Socket("127.0.0.1", port);
                conns[i].setSoTimeout(5000);
                conns[i].setTcpNoDelay(true);
            }
            for (int round = 0; round < 50; round++) {
                for (int i = 0; i < conns.length; i++) {
                    byte[] msg = new byte[64];
                    Arrays.fill(msg, (byte) (round * conns.length + i));
                    conns[i].getOutputStream().write(msg);
                    assertThat(conns[i].getInputStream().readNBytes(64)).isEqualTo(msg);
                }
            }
            // 1 MiB written while it is read back: the server must cope with a full socket buffer
            byte[] big = new byte[1 << 20];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31 + i / 251);
            }
            OutputStream out = conns[0].getOutputStream();
            CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                try {
                    out.write(big);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, command -> Thread.ofVirtual().start(command));
            InputStream in = conns[0].getInputStream();
            assertThat(in.readNBytes(big.length)).isEqualTo(big);
            writing.get(5, TimeUnit.SECONDS);
        } finally {
            for (Socket s : conns) {
                if (s != null) {
                    s.close();
                }
            }
        }
        runLoad(port);
    }

    /** 8 connections of EchoLoad for a few hundred milliseconds: round trips, no errors. */
    private static void runLoad(int port) throws Exception {
        EchoLoad.Result r = new EchoLoad(new EchoLoad.Config(new InetSocketAddress("127.0.0.1", port), 8, 64,
                TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(300), Backends.AUTO,
                Duration.ofSeconds(5)), null).run();
        assertThat(r.errors()).as("errors (first: %s)", r.firstError()).isZero();
        assertThat(r.connected()).isEqualTo(8);
        assertThat(r.roundTrips()).isPositive();
    }

    @ParameterizedTest(name = "netty {0}")
    @ValueSource(strings = {"nio", "epoll", "io_uring"})
    void netty(String transport) throws Exception {
        Throwable why = NettyHttpMain.unavailable(transport);
        Assumptions.assumeTrue(why == null, () -> "netty " + transport + " native transport does not load here: " + why);
        try (NettyHttpMain.Running r = NettyEchoMain.start("127.0.0.1", 0, transport)) {
            check(r.port());
        }
    }

    @Test
    void jdkVirtualThreads() throws Exception {
        VirtualThreadEchoMain server = VirtualThreadEchoMain.start("127.0.0.1", 0);
        try {
            check(server.port());
        } finally {
            server.close();
        }
    }

    @Test
    void cEpoll() throws Exception {
        try (CEpoll.Running r = CEpoll.start("echo")) {
            check(r.port());
        }
    }
}
