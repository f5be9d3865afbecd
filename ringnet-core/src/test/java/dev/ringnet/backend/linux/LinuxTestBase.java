package dev.ringnet.backend.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Shared set-up of the native-layer tests: skips visibly (with the reason) where the layer is
 * unavailable, gives each test a {@link Syscalls} owned by the test thread, and checks that a test
 * class leaves the process with as many open file descriptors as it found.
 */
abstract class LinuxTestBase {
    private static int fdsBefore = -1;

    /** The test thread's instance; closed after each test. */
    Syscalls sys;

    @BeforeAll
    static void requireLinuxAndCountFds() {
        fdsBefore = -1;
        String reason = LinuxPlatform.unavailableReason();
        assumeTrue(reason == null, () -> "Linux native layer unavailable: " + reason);
        warmUpJdkNetworking();
        fdsBefore = openFds();
    }

    private static boolean warmedUp;

    /**
     * The JDK keeps a few descriptors for good once networking is first used (NIO's pre-close
     * socket pair, for one); open them before counting so they don't look like leaks.
     */
    private static void warmUpJdkNetworking() {
        if (warmedUp) {
            return;
        }
        warmedUp = true;
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            client.getOutputStream().write(1);
            accepted.getInputStream().read();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void noFdLeak() {
        if (fdsBefore >= 0) {
            assertThat(openFds()).as("open file descriptors after the test class (leak check)").isEqualTo(fdsBefore);
        }
    }

    @BeforeEach
    void openSyscalls() {
        sys = Syscalls.open();
    }

    @AfterEach
    void closeSyscalls() {
        if (sys != null) {
            sys.close();
        }
    }

    static int openFds() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    /** A blocking TCP listener on 127.0.0.1, its port, via {@link Syscalls}. */
    int listener4() {
        int fd = sys.socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        assertThat(fd).as("socket").isGreaterThanOrEqualTo(0);
        assertThat(sys.setsockopt(fd, LinuxConstants.SOL_SOCKET, SocketOptionCodes.SO_REUSEADDR, 1)).isZero();
        assertThat(sys.bind(fd, new InetSocketAddress("127.0.0.1", 0))).as("bind").isZero();
        assertThat(sys.listen(fd, 16)).as("listen").isZero();
        return fd;
    }

    /** A connected loopback TCP pair {client, server} of blocking sockets, made with {@link Syscalls} only. */
    int[] tcpPair() {
        int listener = listener4();
        try {
            InetSocketAddress local = sys.getsockname(listener);
            int client = sys.socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
            assertThat(client).isGreaterThanOrEqualTo(0);
            assertThat(sys.connect(client, local)).as("connect").isZero();
            int server = sys.accept4(listener, LinuxConstants.SOCK_CLOEXEC);
            assertThat(server).as("accept4").isGreaterThanOrEqualTo(0);
            return new int[] {client, server};
        } finally {
            assertThat(sys.close(listener)).isZero();
        }
    }
}
