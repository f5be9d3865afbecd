package dev.ringnet.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HttpDateTest {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM uuuu HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    @Test
    void rfcExample() {
        // RFC 9110 §5.6.7
        assertThat(HttpDate.format(784_111_777_000L)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
        assertThat(HttpDate.format(0)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
        assertThat(HttpDate.format(-1)).isEqualTo("Wed, 31 Dec 1969 23:59:59 GMT");
    }

    @Test
    void calendarEdges() {
        for (String iso : new String[] {
            "2000-02-29T12:00:00Z", "2000-03-01T00:00:00Z", "2100-02-28T23:59:59Z", "2100-03-01T00:00:00Z",
            "2024-02-29T00:00:00Z", "2023-12-31T23:59:59Z", "1900-01-01T00:00:00Z", "1600-02-29T06:07:08Z",
            "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2038-01-19T03:14:08Z",
        }) {
            long millis = Instant.parse(iso).toEpochMilli();
            assertThat(HttpDate.format(millis)).as(iso).isEqualTo(IMF_FIXDATE.format(Instant.ofEpochMilli(millis)));
        }
        assertThatThrownBy(() -> HttpDate.format(Instant.parse("+10000-01-01T00:00:00Z").toEpochMilli()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void matchesJavaTimeForRandomInstants() {
        Random rnd = new Random(42);
        byte[] dst = new byte[HttpDate.LENGTH + 2];
        for (int i = 0; i < 20_000; i++) {
            long millis = rnd.nextLong(Instant.parse("0000-01-01T00:00:00Z").toEpochMilli(),
                    Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli());
            HttpDate.format(millis, dst, 1);
            assertThat(new String(dst, 1, HttpDate.LENGTH, StandardCharsets.US_ASCII))
                    .isEqualTo(IMF_FIXDATE.format(Instant.ofEpochMilli(millis)));
        }
    }

    @Test
    void recomputesAtMostOncePerSecond() {
        HttpDate date = new HttpDate();
        ByteBuffer buf = ByteBuffer.allocate(HttpDate.LENGTH * 8);
        long t = 1_700_000_000_000L; // a whole second
        date.writeTo(buf, t);
        date.writeTo(buf, t + 1);
        date.writeTo(buf, t + 999);
        assertThat(date.formatCount).isEqualTo(1);
        date.writeTo(buf, t + 1000);
        assertThat(date.formatCount).isEqualTo(2);
        date.writeTo(buf, 0, t + 1500);
        assertThat(date.formatCount).isEqualTo(2);
        assertThat(buf.position()).isEqualTo(4 * HttpDate.LENGTH);
        assertThat(new String(buf.array(), 0, HttpDate.LENGTH, StandardCharsets.US_ASCII))
                .isEqualTo(HttpDate.format(t + 1000));
        assertThat(new String(buf.array(), 2 * HttpDate.LENGTH, HttpDate.LENGTH, StandardCharsets.US_ASCII))
                .isEqualTo(HttpDate.format(t));
        // a clock stepping back is just another second
        assertThat(date.toString(t - 5000)).isEqualTo(HttpDate.format(t - 5000));
        assertThat(date.formatCount).isEqualTo(3);
        byte[] copy = new byte[HttpDate.LENGTH];
        date.copyTo(copy, 0, t - 4001);
        assertThat(date.formatCount).isEqualTo(3);
        assertThat(new String(copy, StandardCharsets.US_ASCII)).isEqualTo(HttpDate.format(t - 5000));
    }
}
