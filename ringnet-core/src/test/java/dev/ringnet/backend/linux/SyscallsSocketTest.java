package dev.ringnet.backend.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SyscallsSocketTest extends LinuxTestBase {

    @Test
    void listenAcceptAndCloseWithAJavaNetClient() throws Exception {
        int listener = listener4();
        assertThat(sys.getsockoptInt(listener, LinuxConstants.SOL_SOCKET, SocketOptionCodes.SO_REUSEADDR)).isEqualTo(1);
        InetSocketAddress local = sys.getsockname(listener);
        assertThat(local.getPort()).isPositive();
        assertThat(local.getAddress().getHostAddress()).isEqualTo("127.0.0.1");

        try (Socket client = new Socket()) {
            client.connect(local, 5_000);
            int accepted = sys.accept4(listener, LinuxConstants.SOCK_CLOEXEC);
            assertThat(accepted).as("accept4").isGreaterThanOrEqualTo(0);
            InetSocketAddress peer = sys.getpeername(accepted);
            assertThat(peer.getPort()).isEqualTo(client.getLocalPort());
            assertThat(sys.getsockname(accepted).getPort()).isEqualTo(local.getPort());
            assertThat(sys.close(accepted)).isZero();
        }
        assertThat(sys.close(listener)).isZero();
        assertThat(sys.close(listener)).as("second close").isEqualTo(-Errno.EBADF);
        assertThat(sys.lastErrno()).isEqualTo(Errno.EBADF);
        assertThat(sys.getsockname(listener)).isNull();
        assertThat(sys.lastErrno()).isEqualTo(Errno.EBADF);
    }

    @Test
    void nonBlockingAcceptWithNothingPendingIsEagain() {
        int listener = sys.socket(LinuxConstants.AF_INET,
                LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_NONBLOCK | LinuxConstants.SOCK_CLOEXEC, 0);
        try {
            assertThat(sys.bind(listener, new InetSocketAddress("127.0.0.1", 0))).isZero();
            assertThat(sys.listen(listener, 4)).isZero();
            assertThat(sys.accept4(listener, LinuxConstants.SOCK_NONBLOCK)).isEqualTo(-Errno.EAGAIN);
        } finally {
            sys.close(listener);
        }
    }

    @Test
    void bindingAPortInUseIsEaddrinuse() {
        int a = listener4();
        int b = sys.socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        try {
            assertThat(sys.bind(b, sys.getsockname(a))).isEqualTo(-Errno.EADDRINUSE);
        } finally {
            sys.close(a);
            sys.close(b);
        }
    }

    @Test
    void nonBlockingConnectToAClosedPortIsRefused() {
        // A bound but not listening socket reserves a port nobody accepts on: the SYN gets a RST.
        int holder = sys.socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        int fd = sys.socket(LinuxConstants.AF_INET,
                LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_NONBLOCK | LinuxConstants.SOCK_CLOEXEC, 0);
        int ep = sys.epollCreate1(LinuxConstants.EPOLL_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            assertThat(sys.bind(holder, new InetSocketAddress("127.0.0.1", 0))).isZero();
            InetSocketAddress closed = sys.getsockname(holder);
            int r = sys.connect(fd, closed);
            assertThat(r).as("connect: %s", Errno.name(r)).isIn(-Errno.EINPROGRESS, -Errno.ECONNREFUSED);
            if (r == -Errno.EINPROGRESS) {
                assertThat(sys.epollCtl(ep, LinuxConstants.EPOLL_CTL_ADD, fd, LinuxConstants.EPOLLOUT, 7)).isZero();
                MemorySegment events = arena.allocate(LinuxConstants.EPOLL_EVENT, 4);
                assertThat(sys.epollWait(ep, events, 4, 5_000)).isEqualTo(1);
                assertThat(LinuxConstants.epollData(events, 0)).isEqualTo(7);
                assertThat(LinuxConstants.epollEvents(events, 0) & (LinuxConstants.EPOLLERR | LinuxConstants.EPOLLHUP)).isNotZero();
                assertThat(sys.getsockoptInt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_ERROR))
                        .isEqualTo(Errno.ECONNREFUSED);
            }
            assertThat(Errno.toException(Errno.ECONNREFUSED, "connect")).isInstanceOf(java.net.ConnectException.class);
        } finally {
            sys.close(ep);
            sys.close(fd);
            sys.close(holder);
        }
    }

    @Test
    void blockingConnectToAClosedPortIsEconnrefused() {
        int holder = sys.socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        int fd = sys.socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        try {
            assertThat(sys.bind(holder, new InetSocketAddress("127.0.0.1", 0))).isZero();
            assertThat(sys.connect(fd, sys.getsockname(holder))).isEqualTo(-Errno.ECONNREFUSED);
        } finally {
            sys.close(fd);
            sys.close(holder);
        }
    }

    @Test
    void sendAndRecvThroughDirectBufferAddresses() {
        int[] pair = tcpPair();
        ByteBuffer out = ByteBuffer.allocateDirect(64);
        ByteBuffer in = ByteBuffer.allocateDirect(64);
        try {
            out.put("hello, ring".getBytes(StandardCharsets.US_ASCII)).flip();
            long outAddr = MemorySegment.ofBuffer(out).address();
            long inAddr = MemorySegment.ofBuffer(in).address();
            assertThat(sys.send(pair[0], outAddr, out.remaining(), LinuxConstants.MSG_NOSIGNAL)).isEqualTo(11);
            assertThat(sys.recv(pair[1], inAddr, 64, 0)).isEqualTo(11);
            byte[] got = new byte[11];
            in.get(0, got);
            assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("hello, ring");

            // the other way, through the critical (MSG_DONTWAIT) variants
            assertThat(sys.send(pair[1], outAddr + 7, 4, LinuxConstants.MSG_DONTWAIT | LinuxConstants.MSG_NOSIGNAL)).isEqualTo(4);
            long n;
            do {
                n = sys.recv(pair[0], inAddr, 64, LinuxConstants.MSG_DONTWAIT);
            } while (n == -Errno.EAGAIN);
            assertThat(n).isEqualTo(4);
            assertThat(sys.recv(pair[0], inAddr, 64, LinuxConstants.MSG_DONTWAIT)).isEqualTo(-Errno.EAGAIN);

            // half close: the peer reads EOF
            assertThat(sys.shutdown(pair[0], LinuxConstants.SHUT_WR)).isZero();
            assertThat(sys.recv(pair[1], inAddr, 64, 0)).isZero();
        } finally {
            assertThat(sys.close(pair[0])).isZero();
            assertThat(sys.close(pair[1])).isZero();
        }
    }

    @Test
    void sendToAResetPeerFailsWithEpipeOrEconnreset() throws Exception {
        int[] pair = tcpPair();
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 16);
        long addr = MemorySegment.ofBuffer(buf).address();
        try {
            // linger 0: close sends RST
            assertThat(SocketOptionCodes.set(sys, pair[1], java.net.StandardSocketOptions.SO_LINGER, 0)).isZero();
            assertThat(sys.close(pair[1])).isZero();
            pair[1] = -1;
            long r = 0;
            for (int i = 0; i < 100 && r >= 0; i++) {
                r = sys.send(pair[0], addr, buf.capacity(), LinuxConstants.MSG_NOSIGNAL);
                if (r >= 0) {
                    TimeUnit.MILLISECONDS.sleep(5);
                }
            }
            assertThat(r).isIn((long) -Errno.EPIPE, (long) -Errno.ECONNRESET);
        } finally {
            sys.close(pair[0]);
        }
    }

    @Test
    void readAndWriteWithSegments() {
        int[] pair = tcpPair();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(16);
            MemorySegment in = arena.allocate(16);
            out.setString(0, "segment", StandardCharsets.US_ASCII);
            assertThat(sys.write(pair[0], out, 8)).isEqualTo(8);
            assertThat(sys.read(pair[1], in, 16)).isEqualTo(8);
            assertThat(in.getString(0, StandardCharsets.US_ASCII)).isEqualTo("segment");
            assertThatThrownBy(() -> sys.read(pair[1], in, 17)).isInstanceOf(IndexOutOfBoundsException.class);
        } finally {
            sys.close(pair[0]);
            sys.close(pair[1]);
        }
    }

    @Test
    void errorsComeBackAsNegativeErrno() {
        assertThat(sys.socket(12345, LinuxConstants.SOCK_STREAM, 0)).isEqualTo(-Errno.EAFNOSUPPORT);
        assertThat(sys.listen(-1, 1)).isEqualTo(-Errno.EBADF);
        assertThat(sys.shutdown(999_999, LinuxConstants.SHUT_WR)).isEqualTo(-Errno.EBADF);
        assertThat(sys.getsockoptInt(-1, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_ERROR)).isEqualTo(-Errno.EBADF);
        assertThat(sys.getpeername(-1)).isNull();
        int efd = sys.eventfd(0, LinuxConstants.EFD_CLOEXEC);
        try {
            assertThat(sys.listen(efd, 1)).isEqualTo(-Errno.ENOTSOCK);
        } finally {
            sys.close(efd);
        }
    }

    @Test
    void unconnectedSocketHasNoPeer() {
        int fd = sys.socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        try {
            assertThat(sys.getpeername(fd)).isNull();
            assertThat(sys.lastErrno()).isEqualTo(Errno.ENOTCONN);
        } finally {
            sys.close(fd);
        }
    }

    @Test
    void unresolvedAddressIsAProgrammingError() {
        int fd = sys.socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        try {
            assertThatThrownBy(() -> sys.connect(fd, InetSocketAddress.createUnresolved("nowhere.invalid", 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unresolved");
        } finally {
            sys.close(fd);
        }
    }

    @Test
    void anInstanceCanBeHandedToTheThreadThatRunsTheLoop() throws Exception {
        // An IoContext is often created on one thread and run on another: its instance moves with it.
        CompletableFuture<Integer> f = CompletableFuture.supplyAsync(() -> sys.eventfdWrite(-1, 1));
        assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(-Errno.EBADF);
    }

    @Test
    void closedInstanceRefusesCalls() {
        Syscalls other = Syscalls.open();
        other.close();
        other.close(); // idempotent
        assertThatThrownBy(() -> other.close(-1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void scratchValuesDoNotLeakBetweenCalls() {
        int fd = sys.socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        try {
            assertThat(sys.setsockopt(fd, LinuxConstants.SOL_SOCKET, SocketOptionCodes.SO_KEEPALIVE, 1)).isZero();
            assertThat(sys.getsockoptInt(fd, LinuxConstants.SOL_SOCKET, SocketOptionCodes.SO_KEEPALIVE)).isEqualTo(1);
            assertThat(sys.getsockoptInt(fd, LinuxConstants.SOL_SOCKET, SocketOptionCodes.SO_BROADCAST)).isZero();
            assertThat(sys.getsockoptInt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_DOMAIN)).isEqualTo(LinuxConstants.AF_INET);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
                assertThat(sys.getsockopt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_TYPE, v, 4)).isEqualTo(4);
                assertThat(v.get(ValueLayout.JAVA_INT, 0)).isEqualTo(LinuxConstants.SOCK_STREAM);
            }
        } finally {
            sys.close(fd);
        }
    }
}
