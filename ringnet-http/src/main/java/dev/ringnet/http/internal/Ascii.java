package dev.ringnet.http.internal;

import java.nio.ByteBuffer;

/**
 * Byte classification tables for the HTTP grammar (RFC 9110 §5.6, RFC 9112, RFC 3986) and
 * allocation-free ASCII comparisons over {@link ByteBuffer} regions.
 *
 * <p>Every classification is one load from a 256-entry table indexed by the unsigned byte, so a
 * scanning loop costs a load, a mask and a branch per byte.
 */
public final class Ascii {

    public static final byte CR = '\r';
    public static final byte LF = '\n';
    public static final byte SP = ' ';
    public static final byte HTAB = '\t';

    /** {@code tchar}: the characters of a token (RFC 9110 §5.6.2). */
    public static final int TCHAR = 1;
    /** Characters allowed in a request-target: RFC 3986 unreserved, sub-delims, ":@/?%[]". */
    public static final int TARGET = 1 << 1;
    /** {@code field-vchar}: VCHAR and obs-text (RFC 9110 §5.5). */
    public static final int FIELD_VCHAR = 1 << 2;
    /** Characters allowed in a Host value or authority-form target: reg-name, IP literals, port. */
    public static final int HOST = 1 << 3;
    /** {@code qdtext} of a quoted-string (RFC 9110 §5.6.4). */
    public static final int QDTEXT = 1 << 4;
    /** Characters allowed in a URI scheme after its first letter: ALPHA, DIGIT, "+-.". */
    public static final int SCHEME = 1 << 5;

    private static final byte[] FLAGS = new byte[256];
    private static final byte[] LOWER = new byte[256];
    private static final byte[] HEX = new byte[256];

    static {
        for (int c = 0; c < 256; c++) {
            LOWER[c] = (byte) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
            HEX[c] = (byte) (c >= '0' && c <= '9' ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                    : -1);
            boolean alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            boolean digit = c >= '0' && c <= '9';
            int f = 0;
            if (alpha || digit || "!#$%&'*+-.^_`|~".indexOf(c) >= 0) {
                f |= TCHAR;
            }
            boolean unreserved = alpha || digit || "-._~".indexOf(c) >= 0;
            boolean subDelim = "!$&'()*+,;=".indexOf(c) >= 0;
            if (unreserved || subDelim || ":@/?%[]".indexOf(c) >= 0) {
                f |= TARGET;
            }
            if (unreserved || subDelim || ":%[]".indexOf(c) >= 0) {
                f |= HOST;
            }
            if ((c >= 0x21 && c <= 0x7E) || c >= 0x80) {
                f |= FIELD_VCHAR;
            }
            if (c == HTAB || c == SP || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)
                    || c >= 0x80) {
                f |= QDTEXT;
            }
            if (alpha || digit || c == '+' || c == '-' || c == '.') {
                f |= SCHEME;
            }
            FLAGS[c] = (byte) f;
        }
    }

    private Ascii() {}

    /** The classification bits of {@code b}, a combination of the flag constants. */
    public static int flags(byte b) {
        return FLAGS[b & 0xFF];
    }

    public static boolean is(byte b, int flag) {
        return (FLAGS[b & 0xFF] & flag) != 0;
    }

    public static boolean isTchar(byte b) {
        return (FLAGS[b & 0xFF] & TCHAR) != 0;
    }

    public static boolean isFieldVchar(byte b) {
        return (FLAGS[b & 0xFF] & FIELD_VCHAR) != 0;
    }

    public static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    public static boolean isAlpha(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }

    public static boolean isWhitespace(byte b) {
        return b == SP || b == HTAB;
    }

    /** The value of a hexadecimal digit, or -1. */
    public static int hexValue(byte b) {
        return HEX[b & 0xFF];
    }

    /** {@code b} with ASCII upper-case letters mapped to lower case; other bytes unchanged. */
    public static byte toLower(byte b) {
        return LOWER[b & 0xFF];
    }

    /** Whether {@code length} bytes of {@code buf} at {@code offset} equal {@code ascii}. */
    public static boolean regionEquals(ByteBuffer buf, int offset, int length, byte[] ascii) {
        if (length != ascii.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (buf.get(offset + i) != ascii[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code length} bytes of {@code buf} at {@code offset} equal {@code ascii}, ignoring
     * the case of ASCII letters (and only of letters: '^' and '~' stay distinct).
     */
    public static boolean regionEqualsIgnoreCase(ByteBuffer buf, int offset, int length, byte[] ascii) {
        if (length != ascii.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (LOWER[buf.get(offset + i) & 0xFF] != LOWER[ascii[i] & 0xFF]) {
                return false;
            }
        }
        return true;
    }

    /** Case-insensitive comparison of a buffer region with a String of chars below 256. */
    public static boolean regionEqualsIgnoreCase(ByteBuffer buf, int offset, int length, String s) {
        if (length != s.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c > 0xFF || LOWER[buf.get(offset + i) & 0xFF] != LOWER[c]) {
                return false;
            }
        }
        return true;
    }

    /** The bytes as an ISO-8859-1 String (every byte maps to one char); allocates. */
    public static String latin1(ByteBuffer buf, int offset, int length) {
        byte[] b = new byte[length];
        buf.get(offset, b);
        return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
