package dev.ringnet.http;

/**
 * Size limits that {@link HttpRequestParser} enforces, each with the status code it answers when
 * a request exceeds it. Instances are immutable; start from {@link #DEFAULT} and derive others
 * with the {@code with...} methods:
 *
 * <pre>{@code
 * HttpLimits limits = HttpLimits.DEFAULT
 *         .withMaxHeaderCount(50)
 *         .withMaxBodyLength(1 << 20);
 * }</pre>
 *
 * <table class="striped">
 *   <caption>Limits and the status of a request that exceeds them</caption>
 *   <thead><tr><th>Limit</th><th>Default</th><th>What is measured</th><th>Status</th></tr></thead>
 *   <tbody>
 *   <tr><td>{@link #maxRequestLineLength()}</td><td>8192</td>
 *       <td>the request line without its CRLF (also bounds the empty lines ignored before it)</td>
 *       <td>414 if the line runs over in the target or version, 501 if in the method</td></tr>
 *   <tr><td>{@link #maxHeaderSectionLength()}</td><td>16384</td>
 *       <td>everything after the request line's CRLF up to and including the CRLF of the empty
 *       line that ends the header section; applied separately to a chunked body's trailer
 *       section</td><td>431</td></tr>
 *   <tr><td>{@link #maxHeaderCount()}</td><td>100</td>
 *       <td>header fields plus trailer fields of one request</td><td>431</td></tr>
 *   <tr><td>{@link #maxBodyLength()}</td><td>10 MiB</td>
 *       <td>the Content-Length, or the sum of a chunked body's chunk sizes</td><td>413</td></tr>
 *   <tr><td>{@link #maxChunkLineLength()}</td><td>4096</td>
 *       <td>a chunk-size line (size and extensions) without its CRLF</td><td>400</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>The parser sizes its header table from {@link #maxHeaderCount()} lazily, so a large limit
 * costs memory only when requests actually carry that many fields.
 */
public final class HttpLimits {

    /** 8 KiB request line, 16 KiB header section, 100 fields, 10 MiB body, 4 KiB chunk line. */
    public static final HttpLimits DEFAULT = new HttpLimits(8192, 16384, 100, 10L << 20, 4096);

    private final int maxRequestLineLength;
    private final int maxHeaderSectionLength;
    private final int maxHeaderCount;
    private final long maxBodyLength;
    private final int maxChunkLineLength;

    private HttpLimits(int maxRequestLineLength, int maxHeaderSectionLength, int maxHeaderCount,
            long maxBodyLength, int maxChunkLineLength) {
        this.maxRequestLineLength = positive(maxRequestLineLength, "maxRequestLineLength");
        this.maxHeaderSectionLength = positive(maxHeaderSectionLength, "maxHeaderSectionLength");
        this.maxHeaderCount = positive(maxHeaderCount, "maxHeaderCount");
        if (maxBodyLength < 0) {
            throw new IllegalArgumentException("maxBodyLength must be >= 0: " + maxBodyLength);
        }
        this.maxBodyLength = maxBodyLength;
        this.maxChunkLineLength = positive(maxChunkLineLength, "maxChunkLineLength");
    }

    private static int positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0: " + value);
        }
        return value;
    }

    /** Longest accepted request line, in bytes, not counting its CRLF. */
    public int maxRequestLineLength() {
        return maxRequestLineLength;
    }

    /** Longest accepted header (or trailer) section, in bytes, including its final empty line. */
    public int maxHeaderSectionLength() {
        return maxHeaderSectionLength;
    }

    /** Most header fields plus trailer fields accepted in one request. */
    public int maxHeaderCount() {
        return maxHeaderCount;
    }

    /** Largest accepted body, in bytes (0 rejects every non-empty body). */
    public long maxBodyLength() {
        return maxBodyLength;
    }

    /** Longest accepted chunk-size line (hex size plus chunk extensions), not counting its CRLF. */
    public int maxChunkLineLength() {
        return maxChunkLineLength;
    }

    /** A copy with a different {@link #maxRequestLineLength()}; must be > 0. */
    public HttpLimits withMaxRequestLineLength(int bytes) {
        return new HttpLimits(bytes, maxHeaderSectionLength, maxHeaderCount, maxBodyLength, maxChunkLineLength);
    }

    /** A copy with a different {@link #maxHeaderSectionLength()}; must be > 0. */
    public HttpLimits withMaxHeaderSectionLength(int bytes) {
        return new HttpLimits(maxRequestLineLength, bytes, maxHeaderCount, maxBodyLength, maxChunkLineLength);
    }

    /** A copy with a different {@link #maxHeaderCount()}; must be > 0. */
    public HttpLimits withMaxHeaderCount(int count) {
        return new HttpLimits(maxRequestLineLength, maxHeaderSectionLength, count, maxBodyLength, maxChunkLineLength);
    }

    /** A copy with a different {@link #maxBodyLength()}; must be >= 0. */
    public HttpLimits withMaxBodyLength(long bytes) {
        return new HttpLimits(maxRequestLineLength, maxHeaderSectionLength, maxHeaderCount, bytes, maxChunkLineLength);
    }

    /** A copy with a different {@link #maxChunkLineLength()}; must be > 0. */
    public HttpLimits withMaxChunkLineLength(int bytes) {
        return new HttpLimits(maxRequestLineLength, maxHeaderSectionLength, maxHeaderCount, maxBodyLength, bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HttpLimits l
                && l.maxRequestLineLength == maxRequestLineLength
                && l.maxHeaderSectionLength == maxHeaderSectionLength
                && l.maxHeaderCount == maxHeaderCount
                && l.maxBodyLength == maxBodyLength
                && l.maxChunkLineLength == maxChunkLineLength;
    }

    @Override
    public int hashCode() {
        int h = maxRequestLineLength;
        h = 31 * h + maxHeaderSectionLength;
        h = 31 * h + maxHeaderCount;
        h = 31 * h + Long.hashCode(maxBodyLength);
        return 31 * h + maxChunkLineLength;
    }

    @Override
    public String toString() {
        return "HttpLimits[maxRequestLineLength=" + maxRequestLineLength
                + ", maxHeaderSectionLength=" + maxHeaderSectionLength
                + ", maxHeaderCount=" + maxHeaderCount
                + ", maxBodyLength=" + maxBodyLength
                + ", maxChunkLineLength=" + maxChunkLineLength + "]";
    }
}
