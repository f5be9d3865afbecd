package dev.ringnet.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The value of a {@code Date} header in RFC 9110 IMF-fixdate form
 * ({@code Sun, 06 Nov 1994 08:49:37 GMT}, always {@value #LENGTH} ASCII bytes), cached so that a
 * busy server formats it at most once per second.
 *
 * <p>Every method takes the current time in milliseconds since the epoch (for example
 * {@link System#currentTimeMillis()}, or a loop's cached clock) and reformats only when that
 * falls in a different second than the cached value; otherwise writing the date is one bulk copy.
 * Nothing here allocates.
 *
 * <pre>{@code
 * HttpDate date = new HttpDate();                  // one per event-loop thread
 * buf.put(DATE_PREFIX);                            // "Date: "
 * date.writeTo(buf, System.currentTimeMillis());   // 29 bytes
 * buf.put(CRLF);
 * }</pre>
 *
 * <p>An instance is not thread-safe: give each event loop its own. Times from year 0 to 9999
 * are supported.
 */
public final class HttpDate {

    /** Length in bytes of an IMF-fixdate. */
    public static final int LENGTH = 29;

    private static final byte[] DAYS = "SunMonTueWedThuFriSat".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec".getBytes(StandardCharsets.US_ASCII);
    private static final long MIN_SECOND = -62_167_219_200L; // 0000-01-01T00:00:00Z
    private static final long MAX_SECOND = 253_402_300_799L; // 9999-12-31T23:59:59Z

    private final byte[] bytes = new byte[LENGTH];
    private long cachedSecond = Long.MIN_VALUE;
    /** How many times the bytes were formatted; tests check the once-per-second promise. */
    int formatCount;

    /** A date with nothing cached yet. */
    public HttpDate() {}

    private byte[] current(long nowMillis) {
        long second = Math.floorDiv(nowMillis, 1000);
        if (second != cachedSecond) {
            formatSecond(second, bytes, 0);
            cachedSecond = second;
            formatCount++;
        }
        return bytes;
    }

    /** Puts the {@value #LENGTH} date bytes at {@code buf}'s position and advances it. */
    public void writeTo(ByteBuffer buf, long nowMillis) {
        buf.put(current(nowMillis));
    }

    /** Puts the {@value #LENGTH} date bytes at absolute {@code index}; the position is unchanged. */
    public void writeTo(ByteBuffer buf, int index, long nowMillis) {
        buf.put(index, current(nowMillis));
    }

    /** Copies the {@value #LENGTH} date bytes into {@code dst} at {@code offset}. */
    public void copyTo(byte[] dst, int offset, long nowMillis) {
        System.arraycopy(current(nowMillis), 0, dst, offset, LENGTH);
    }

    /** The date for {@code nowMillis} as a String. <b>Allocates</b>; for tests and logs. */
    public String toString(long nowMillis) {
        return new String(current(nowMillis), StandardCharsets.US_ASCII);
    }

    /**
     * Formats {@code epochMillis} as an IMF-fixdate into {@code dst} at {@code offset}, without
     * caching and without allocating.
     *
     * @throws IllegalArgumentException if the time is outside years 0 to 9999
     */
    public static void format(long epochMillis, byte[] dst, int offset) {
        formatSecond(Math.floorDiv(epochMillis, 1000), dst, offset);
    }

    /** {@code epochMillis} as an IMF-fixdate String. <b>Allocates.</b> */
    public static String format(long epochMillis) {
        byte[] b = new byte[LENGTH];
        format(epochMillis, b, 0);
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static void formatSecond(long second, byte[] dst, int off) {
        if (second < MIN_SECOND || second > MAX_SECOND) {
            throw new IllegalArgumentException("time outside years 0-9999: " + second + " s");
        }
        long days = Math.floorDiv(second, 86_400L);
        int secondOfDay = (int) Math.floorMod(second, 86_400L);
        int dayOfWeek = (int) Math.floorMod(days + 4, 7L); // 1970-01-01 was a Thursday; 0 = Sunday

        // Civil date from a day count: shift the epoch to 0000-03-01 so that a year's leap day
        // is its last day, split into 400-year eras (146097 days each), then years, then months
        // of the March-based year, whose lengths repeat with period 153 days per 5 months.
        long z = days + 719_468L;
        long era = Math.floorDiv(z, 146_097L);
        int dayOfEra = (int) (z - era * 146_097L);                                      // [0, 146096]
        int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365; // [0, 399]
        int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);  // [0, 365]
        int monthIndex = (5 * dayOfYear + 2) / 153;                                     // [0, 11], 0 = March
        int day = dayOfYear - (153 * monthIndex + 2) / 5 + 1;                           // [1, 31]
        int month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;                  // [1, 12]
        int year = (int) (era * 400 + yearOfEra) + (month <= 2 ? 1 : 0);

        int d = dayOfWeek * 3;
        dst[off] = DAYS[d];
        dst[off + 1] = DAYS[d + 1];
        dst[off + 2] = DAYS[d + 2];
        dst[off + 3] = ',';
        dst[off + 4] = ' ';
        twoDigits(day, dst, off + 5);
        dst[off + 7] = ' ';
        int m = (month - 1) * 3;
        dst[off + 8] = MONTHS[m];
        dst[off + 9] = MONTHS[m + 1];
        dst[off + 10] = MONTHS[m + 2];
        dst[off + 11] = ' ';
        twoDigits(year / 100, dst, off + 12);
        twoDigits(year % 100, dst, off + 14);
        dst[off + 16] = ' ';
        twoDigits(secondOfDay / 3600, dst, off + 17);
        dst[off + 19] = ':';
        twoDigits(secondOfDay / 60 % 60, dst, off + 20);
        dst[off + 22] = ':';
        twoDigits(secondOfDay % 60, dst, off + 23);
        dst[off + 25] = ' ';
        dst[off + 26] = 'G';
        dst[off + 27] = 'M';
        dst[off + 28] = 'T';
    }

    private static void twoDigits(int v, byte[] dst, int off) {
        dst[off] = (byte) ('0' + v / 10);
        dst[off + 1] = (byte) ('0' + v % 10);
    }
}
