package dev.ringnet.backend.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

/** Pure Java: runs everywhere. */
class ErrnoTest {

    @Test
    void valuesAreLinuxs() {
        assertThat(Errno.EAGAIN).isEqualTo(11);
        assertThat(Errno.EWOULDBLOCK).isEqualTo(Errno.EAGAIN);
        assertThat(Errno.EINPROGRESS).isEqualTo(115);
        assertThat(Errno.ECONNREFUSED).isEqualTo(111);
        assertThat(Errno.ECONNRESET).isEqualTo(104);
        assertThat(Errno.ECANCELED).isEqualTo(125);
        assertThat(Errno.ENOTSUP).isEqualTo(Errno.EOPNOTSUPP).isEqualTo(95);
        assertThat(Errno.EADDRINUSE).isEqualTo(98);
        assertThat(Errno.ETIMEDOUT).isEqualTo(110);
    }

    @Test
    void namesAcceptBothSigns() {
        assertThat(Errno.name(Errno.ECONNRESET)).isEqualTo("ECONNRESET");
        assertThat(Errno.name(-Errno.EAGAIN)).isEqualTo("EAGAIN");
        assertThat(Errno.name(Errno.ENOTSUP)).isEqualTo("EOPNOTSUPP");
        assertThat(Errno.name(4242)).isEqualTo("errno 4242");
        assertThat(Errno.name(0)).isEqualTo("errno 0");
        assertThat(Errno.description(Errno.EPIPE)).isEqualTo("Broken pipe");
    }

    @Test
    void mapsToTheExceptionsJavaUsersExpect() {
        assertThat(Errno.toException(Errno.ECONNREFUSED, "connect"))
                .isExactlyInstanceOf(ConnectException.class).hasMessage("Connection refused");
        assertThat(Errno.toException(-Errno.ECONNREFUSED, "connect")).isExactlyInstanceOf(ConnectException.class);
        assertThat(Errno.toException(Errno.ECONNRESET, "recv"))
                .isExactlyInstanceOf(SocketException.class).hasMessage("Connection reset by peer");
        assertThat(Errno.toException(Errno.EPIPE, "send"))
                .isExactlyInstanceOf(SocketException.class).hasMessage("Broken pipe");
        assertThat(Errno.toException(Errno.ETIMEDOUT, "connect")).isExactlyInstanceOf(SocketTimeoutException.class);
        assertThat(Errno.toException(Errno.EADDRINUSE, "bind"))
                .isExactlyInstanceOf(BindException.class).hasMessage("Address already in use");
        assertThat(Errno.toException(Errno.EADDRNOTAVAIL, "bind")).isExactlyInstanceOf(BindException.class);
        assertThat(Errno.toException(Errno.ENETUNREACH, "connect")).isExactlyInstanceOf(NoRouteToHostException.class);
        assertThat(Errno.toException(Errno.EHOSTUNREACH, "connect")).isExactlyInstanceOf(NoRouteToHostException.class);
        IOException closed = Errno.toException(Errno.EBADF, "recv");
        assertThat(closed).isExactlyInstanceOf(ClosedChannelException.class);
        assertThat(closed.getCause()).hasMessageContaining("recv").hasMessageContaining("EBADF");
    }

    @Test
    void othersArePlainIoExceptionsNamingOperationAndErrno() {
        assertThat(Errno.toException(Errno.EMFILE, "accept"))
                .isExactlyInstanceOf(IOException.class)
                .hasMessage("accept failed: Too many open files (EMFILE)");
        assertThat(Errno.toException(-Errno.EINVAL, null)).hasMessage("operation failed: Invalid argument (EINVAL)");
        assertThat(Errno.toException(999, "x")).hasMessage("x failed: Unknown error 999 (errno 999)");
    }

    @Test
    void cancellationIsNotMappedHere() {
        IOException e = Errno.toException(Errno.ECANCELED, "recv");
        assertThat(e).isExactlyInstanceOf(IOException.class).hasMessageContaining("ECANCELED");
    }
}
