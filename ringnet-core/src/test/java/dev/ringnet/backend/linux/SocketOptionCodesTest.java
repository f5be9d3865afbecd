package dev.ringnet.backend.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

class SocketOptionCodesTest extends LinuxTestBase {

    @Test
    void codesMatchTheLinuxHeaders() {
        assertThat(SocketOptionCodes.code(StandardSocketOptions.SO_REUSEADDR, false))
                .isEqualTo(new SocketOptionCodes.Code(1, 2, SocketOptionCodes.Kind.BOOLEAN));
        assertThat(SocketOptionCodes.code(StandardSocketOptions.SO_REUSEPORT, false).name()).isEqualTo(15);
        assertThat(SocketOptionCodes.code(StandardSocketOptions.SO_KEEPALIVE, false).name()).isEqualTo(9);
        assertThat(SocketOptionCodes.code(StandardSocketOptions.SO_BROADCAST, false).name()).isEqualTo(6);
        assertThat(SocketOptionCodes.code(StandardSocketOptions.SO_SNDBUF, false).name()).isEqualTo(7);
        assertThat(SocketOptionCodes.code(StandardSocketOptions.SO_RCVBUF, false).name()).isEqualTo(8);
        assertThat(SocketOptionCodes.code(StandardSocketOptions.SO_LINGER, false))
                .isEqualTo(new SocketOptionCodes.Code(1, 13, SocketOptionCodes.Kind.LINGER));
        assertThat(SocketOptionCodes.code(StandardSocketOptions.TCP_NODELAY, false))
                .isEqualTo(new SocketOptionCodes.Code(6, 1, SocketOptionCodes.Kind.BOOLEAN));
        assertThat(SocketOptionCodes.code(StandardSocketOptions.IP_TOS, false)).isEqualTo(new SocketOptionCodes.Code(0, 1, SocketOptionCodes.Kind.INT));
        assertThat(SocketOptionCodes.code(StandardSocketOptions.IP_TOS, true)).isEqualTo(new SocketOptionCodes.Code(41, 67, SocketOptionCodes.Kind.INT));
    }

    @Test
    void unknownOptionsNameThemselves() {
        assertThatThrownBy(() -> SocketOptionCodes.code(StandardSocketOptions.IP_MULTICAST_IF, false))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("IP_MULTICAST_IF");
        assertThat(SocketOptionCodes.isSupported(StandardSocketOptions.IP_MULTICAST_IF)).isFalse();
        assertThat(SocketOptionCodes.isSupported(StandardSocketOptions.TCP_NODELAY)).isTrue();
    }

    @Test
    void valueConversions() {
        assertThat(SocketOptionCodes.toNative(StandardSocketOptions.TCP_NODELAY, true)).isEqualTo(1);
        assertThat(SocketOptionCodes.toNative(StandardSocketOptions.TCP_NODELAY, false)).isZero();
        assertThat(SocketOptionCodes.toNative(StandardSocketOptions.SO_RCVBUF, 65536)).isEqualTo(65536);
        assertThat(SocketOptionCodes.toNative(StandardSocketOptions.SO_LINGER, -5)).isEqualTo(-1);
        assertThat(SocketOptionCodes.toNative(StandardSocketOptions.SO_LINGER, 1 << 20)).isEqualTo(65535);
        assertThat(SocketOptionCodes.fromNative(StandardSocketOptions.SO_KEEPALIVE, 1)).isTrue();
        assertThat(SocketOptionCodes.fromNative(StandardSocketOptions.SO_SNDBUF, 4096)).isEqualTo(4096);
        assertThatThrownBy(() -> SocketOptionCodes.toNative(StandardSocketOptions.SO_RCVBUF, -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SocketOptionCodes.toNative(StandardSocketOptions.IP_TOS, 256))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SocketOptionCodes.toNative(StandardSocketOptions.TCP_NODELAY, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void setAndGetOnARealSocket() throws Exception {
        int fd = sys.socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        try {
            assertThat(SocketOptionCodes.set(sys, fd, StandardSocketOptions.TCP_NODELAY, true)).isZero();
            assertThat(SocketOptionCodes.get(sys, fd, StandardSocketOptions.TCP_NODELAY)).isTrue();
            assertThat(SocketOptionCodes.set(sys, fd, StandardSocketOptions.SO_REUSEPORT, true)).isZero();
            assertThat(SocketOptionCodes.get(sys, fd, StandardSocketOptions.SO_REUSEPORT)).isTrue();
            assertThat(SocketOptionCodes.get(sys, fd, StandardSocketOptions.SO_BROADCAST)).isFalse();

            assertThat(SocketOptionCodes.get(sys, fd, StandardSocketOptions.SO_LINGER)).as("default: off").isEqualTo(-1);
            assertThat(SocketOptionCodes.set(sys, fd, StandardSocketOptions.SO_LINGER, 5)).isZero();
            assertThat(SocketOptionCodes.get(sys, fd, StandardSocketOptions.SO_LINGER)).isEqualTo(5);
            assertThat(SocketOptionCodes.set(sys, fd, StandardSocketOptions.SO_LINGER, -1)).isZero();
            assertThat(SocketOptionCodes.get(sys, fd, StandardSocketOptions.SO_LINGER)).isEqualTo(-1);

            assertThat(SocketOptionCodes.set(sys, fd, StandardSocketOptions.SO_RCVBUF, 32768)).isZero();
            assertThat(SocketOptionCodes.get(sys, fd, StandardSocketOptions.SO_RCVBUF)).as("Linux doubles it")
                    .isGreaterThanOrEqualTo(32768);

            assertThat(SocketOptionCodes.set(sys, fd, StandardSocketOptions.IP_TOS, 0x10)).isZero();
            assertThat(SocketOptionCodes.get(sys, fd, StandardSocketOptions.IP_TOS)).isEqualTo(0x10);
        } finally {
            sys.close(fd);
        }
        assertThat(SocketOptionCodes.set(sys, fd, StandardSocketOptions.TCP_NODELAY, true)).isEqualTo(-Errno.EBADF);
        assertThat(SocketOptionCodes.set(sys, fd, StandardSocketOptions.IP_TOS, 0)).isEqualTo(-Errno.EBADF);
        assertThatThrownBy(() -> SocketOptionCodes.get(sys, fd, StandardSocketOptions.TCP_NODELAY))
                .isInstanceOf(ClosedChannelException.class);
    }

    @Test
    void ipTosOnAnIpv6SocketUsesTrafficClass() throws Exception {
        int fd = sys.socket(LinuxConstants.AF_INET6, LinuxConstants.SOCK_DGRAM | LinuxConstants.SOCK_CLOEXEC, 0);
        assumeTrue(fd >= 0, () -> "no IPv6 sockets: " + Errno.name(-fd));
        try {
            assertThat(SocketOptionCodes.set(sys, fd, StandardSocketOptions.IP_TOS, 0x20)).isZero();
            assertThat(sys.getsockoptInt(fd, LinuxConstants.IPPROTO_IPV6, SocketOptionCodes.IPV6_TCLASS)).isEqualTo(0x20);
            assertThat(SocketOptionCodes.get(sys, fd, StandardSocketOptions.IP_TOS)).isEqualTo(0x20);
            assertThat(SocketOptionCodes.set(sys, fd, StandardSocketOptions.IP_MULTICAST_TTL, 7)).isZero();
            assertThat(SocketOptionCodes.get(sys, fd, StandardSocketOptions.IP_MULTICAST_TTL)).isEqualTo(7);
            assertThat(SocketOptionCodes.set(sys, fd, StandardSocketOptions.IP_MULTICAST_LOOP, false)).isZero();
            assertThat(SocketOptionCodes.get(sys, fd, StandardSocketOptions.IP_MULTICAST_LOOP)).isFalse();
            assertThat(sys.setsockopt(fd, SocketOptionCodes.IPV6_V6ONLY_CODE.level(), SocketOptionCodes.IPV6_V6ONLY_CODE.name(), 1))
                    .isZero();
        } finally {
            sys.close(fd);
        }
    }
}
