package dev.ringnet.backend.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SockAddrTest extends LinuxTestBase {
    private Arena arena;
    private MemorySegment seg;

    @BeforeEach
    void allocate() {
        arena = Arena.ofConfined();
        seg = arena.allocate(SockAddr.STORAGE_SIZE, 8);
    }

    @AfterEach
    void free() {
        arena.close();
    }

    @Test
    void layoutsHaveTheKernelsSizesAndOffsets() {
        assertThat(SockAddr.SOCKADDR_IN.byteSize()).isEqualTo(16);
        assertThat(SockAddr.SOCKADDR_IN6.byteSize()).isEqualTo(28);
        assertThat(SockAddr.SOCKADDR_IN.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("sin_addr"))).isEqualTo(4);
        assertThat(SockAddr.SOCKADDR_IN6.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("sin6_addr"))).isEqualTo(8);
        assertThat(SockAddr.SOCKADDR_IN6.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("sin6_scope_id"))).isEqualTo(24);
    }

    @Test
    void ipv4RoundTripWithPortInNetworkOrder() throws Exception {
        seg.fill((byte) 0x55);
        var addr = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 1, 2, (byte) 200}), 0x1F90); // 8080
        assertThat(SockAddr.write(addr, seg)).isEqualTo(16);
        assertThat(seg.get(ValueLayout.JAVA_SHORT, 0)).as("sin_family in host order").isEqualTo((short) LinuxConstants.AF_INET);
        assertThat(seg.get(ValueLayout.JAVA_BYTE, 2)).as("port high byte first").isEqualTo((byte) 0x1F);
        assertThat(seg.get(ValueLayout.JAVA_BYTE, 3)).isEqualTo((byte) 0x90);
        assertThat(seg.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE)).containsExactly(10, 1, 2, (byte) 200);
        assertThat(seg.asSlice(8, 8).toArray(ValueLayout.JAVA_BYTE)).as("sin_zero").containsOnly((byte) 0);
        assertThat(SockAddr.read(seg, 16)).isEqualTo(addr);
        assertThat(SockAddr.family(seg)).isEqualTo(LinuxConstants.AF_INET);
    }

    @Test
    void highPortsStayUnsigned() {
        var addr = new InetSocketAddress("127.0.0.1", 65535);
        SockAddr.write(addr, seg);
        assertThat(seg.get(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2)).isEqualTo((short) 0xFFFF);
        assertThat(SockAddr.read(seg, 16).getPort()).isEqualTo(65535);
    }

    @Test
    void ipv6RoundTripWithScopeId() throws Exception {
        byte[] linkLocal = new byte[16];
        linkLocal[0] = (byte) 0xfe;
        linkLocal[1] = (byte) 0x80;
        linkLocal[15] = 1;
        var addr = new InetSocketAddress(Inet6Address.getByAddress(null, linkLocal, 5), 443);
        assertThat(SockAddr.write(addr, seg)).isEqualTo(28);
        assertThat(seg.get(ValueLayout.JAVA_SHORT, 0)).isEqualTo((short) LinuxConstants.AF_INET6);
        assertThat(seg.get(ValueLayout.JAVA_BYTE, 2)).isEqualTo((byte) 0x01);
        assertThat(seg.get(ValueLayout.JAVA_BYTE, 3)).isEqualTo((byte) 0xBB);
        assertThat(seg.get(ValueLayout.JAVA_INT, 4)).as("sin6_flowinfo").isZero();
        assertThat(seg.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE)).containsExactly(linkLocal);
        assertThat(seg.get(ValueLayout.JAVA_INT, 24)).as("sin6_scope_id in host order").isEqualTo(5);

        InetSocketAddress back = SockAddr.read(seg, 28);
        assertThat(back).isEqualTo(addr);
        assertThat(((Inet6Address) back.getAddress()).getScopeId()).isEqualTo(5);
    }

    @Test
    void ipv6WithoutScope() throws Exception {
        var addr = new InetSocketAddress(InetAddress.getByName("2001:db8::42"), 9);
        assertThat(SockAddr.write(addr, seg)).isEqualTo(28);
        InetSocketAddress back = SockAddr.read(seg, 28);
        assertThat(back).isEqualTo(addr);
        assertThat(back.getAddress()).isInstanceOf(Inet6Address.class);
    }

    @Test
    void ipv4ForAnIpv6SocketIsMappedAndDecodesToInet4() {
        var addr = new InetSocketAddress("192.0.2.7", 53);
        assertThat(SockAddr.write(addr, seg, LinuxConstants.AF_INET6)).isEqualTo(28);
        assertThat(seg.get(ValueLayout.JAVA_SHORT, 0)).isEqualTo((short) LinuxConstants.AF_INET6);
        assertThat(seg.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE))
                .containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 7);
        InetSocketAddress back = SockAddr.read(seg, 28);
        assertThat(back.getAddress()).isInstanceOf(Inet4Address.class);
        assertThat(back).isEqualTo(addr);
    }

    @Test
    void ipv4ForAnIpv4SocketStaysIpv4() {
        assertThat(SockAddr.write(new InetSocketAddress("192.0.2.7", 53), seg, LinuxConstants.AF_INET)).isEqualTo(16);
    }

    @Test
    void shortLengthsAndOtherFamiliesDecodeToNull() {
        SockAddr.write(new InetSocketAddress("127.0.0.1", 1), seg);
        assertThat(SockAddr.read(seg, 0)).isNull();
        assertThat(SockAddr.read(seg, 8)).isNull();
        SockAddr.write(new InetSocketAddress("::1", 1), seg);
        assertThat(SockAddr.read(seg, 16)).isNull();
        seg.set(ValueLayout.JAVA_SHORT, 0, (short) 1); // AF_UNIX
        assertThat(SockAddr.read(seg, 110)).isNull();
    }

    @Test
    void unresolvedAddressesAreRejectedClearly() {
        var unresolved = InetSocketAddress.createUnresolved("example.invalid", 80);
        assertThatThrownBy(() -> SockAddr.write(unresolved, seg))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unresolved")
                .hasMessageContaining("example.invalid:80");
    }

    @Test
    void tooSmallSegmentsAreRejected() {
        assertThatThrownBy(() -> SockAddr.write(new InetSocketAddress("::1", 1), seg.asSlice(0, 16)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decodesWhatGetsocknameReturnsForIpv4() {
        int fd = sys.socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        try {
            assertThat(sys.bind(fd, new InetSocketAddress("127.0.0.1", 0))).isZero();
            InetSocketAddress local = sys.getsockname(fd);
            assertThat(local.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(local.getAddress()).isInstanceOf(Inet4Address.class);
            assertThat(local.getPort()).isBetween(1, 65535);
        } finally {
            assertThat(sys.close(fd)).isZero();
        }
    }

    @Test
    void decodesWhatGetsocknameReturnsForIpv6() {
        int fd = sys.socket(LinuxConstants.AF_INET6, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        assumeTrue(fd >= 0, () -> "no IPv6 sockets here: " + Errno.name(-fd));
        try {
            int r = sys.bind(fd, new InetSocketAddress("::1", 0));
            assumeTrue(r == 0, () -> "cannot bind [::1]: " + Errno.name(-r));
            InetSocketAddress local = sys.getsockname(fd);
            assertThat(local.getAddress()).isInstanceOf(Inet6Address.class);
            assertThat(local.getAddress().isLoopbackAddress()).isTrue();
            assertThat(local.getPort()).isBetween(1, 65535);
        } finally {
            assertThat(sys.close(fd)).isZero();
        }
    }

    @Test
    void dualStackSocketBindsAnIpv4AddressAndReportsItAsInet4() {
        int fd = sys.socket(LinuxConstants.AF_INET6, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0);
        assumeTrue(fd >= 0, () -> "no IPv6 sockets here: " + Errno.name(-fd));
        try {
            assertThat(sys.setsockopt(fd, LinuxConstants.IPPROTO_IPV6, LinuxConstants.IPV6_V6ONLY, 0)).isZero();
            assertThat(sys.bind(fd, new InetSocketAddress("127.0.0.1", 0))).as("bind finds out the socket is AF_INET6").isZero();
            InetSocketAddress local = sys.getsockname(fd);
            assertThat(local.getAddress()).isInstanceOf(Inet4Address.class);
            assertThat(local.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        } finally {
            assertThat(sys.close(fd)).isZero();
        }
    }
}
