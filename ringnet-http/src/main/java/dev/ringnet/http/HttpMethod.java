package dev.ringnet.http;

/**
 * The request methods {@link HttpRequestParser} recognizes, as small int codes so that a parsed
 * request carries its method without an object. Methods are case-sensitive (RFC 9110 §9.1):
 * {@code get} is not {@link #GET} but an {@link #EXTENSION} method, whose bytes are at
 * {@link HttpRequestParser#methodOffset()}.
 *
 * <pre>{@code
 * switch (parser.method()) {
 *     case HttpMethod.GET, HttpMethod.HEAD -> serveFile(parser);
 *     case HttpMethod.POST -> acceptUpload(parser);
 *     default -> respond(405);
 * }
 * }</pre>
 */
public final class HttpMethod {

    /** Any syntactically valid method other than the nine below. */
    public static final int EXTENSION = 0;
    public static final int GET = 1;
    public static final int HEAD = 2;
    public static final int POST = 3;
    public static final int PUT = 4;
    public static final int DELETE = 5;
    public static final int OPTIONS = 6;
    public static final int PATCH = 7;
    public static final int TRACE = 8;
    public static final int CONNECT = 9;

    private static final String[] NAMES = {
        "extension", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"
    };

    private HttpMethod() {}

    /**
     * The method's name, such as {@code "GET"}, or {@code "extension"} for {@link #EXTENSION};
     * a constant, so no allocation.
     *
     * @throws IllegalArgumentException if {@code method} is not one of the codes above
     */
    public static String name(int method) {
        if (method < 0 || method >= NAMES.length) {
            throw new IllegalArgumentException("not a method code: " + method);
        }
        return NAMES[method];
    }
}
