package dev.ringnet.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Router} compiled for one server: literal patterns in an open-addressing hash table
 * keyed by their bytes, parameter patterns in registration order, constant responses
 * pre-encoded with the server's name. Matching reads the request's path straight from the
 * receive buffer and allocates nothing. Immutable once built; shared by every loop.
 */
final class RouteTable {

    /** What a request is answered with. */
    static final class Route {
        final Router.Kind kind;
        final HttpHandler handler;
        final AsyncHttpHandler async;
        final Fixed fixed;
        final String[] paramNames;

        Route(Router.Kind kind, Object target, String[] paramNames, String serverName) {
            this.kind = kind;
            this.paramNames = paramNames;
            this.handler = target instanceof HttpHandler h ? h : null;
            this.async = target instanceof AsyncHttpHandler a ? a : null;
            this.fixed = target instanceof HttpResponse r ? new Fixed(r, serverName) : null;
        }
    }

    /** A constant response pre-encoded for each Connection mode of {@link HttpResponseEncoder}. */
    static final class Fixed {
        final PreEncodedResponse[] byMode = new PreEncodedResponse[3];

        Fixed(HttpResponse r, String serverName) {
            for (int mode = 0; mode < 3; mode++) {
                PreEncodedResponse.Builder b = PreEncodedResponse.builder(r.status());
                if (serverName != null) {
                    b.header("Server", serverName);
                }
                b.date();
                if (r.contentType() != null) {
                    b.header("Content-Type", r.contentType());
                }
                String[] h = r.rawHeaders();
                for (int i = 0; i < h.length; i += 2) {
                    b.header(h[i], h[i + 1]);
                }
                if (mode == HttpResponseEncoder.CONNECTION_CLOSE) {
                    b.header("Connection", "close");
                } else if (mode == HttpResponseEncoder.CONNECTION_KEEP_ALIVE) {
                    b.header("Connection", "keep-alive");
                }
                byMode[mode] = b.body(r.body()).build();
            }
        }
    }

    /** One pattern and its routes by method. */
    static final class Pattern {
        final String text;
        final byte[] bytes;
        /** Per segment: the literal bytes, or null for a parameter. */
        final byte[][] segments;
        final String[] params;
        final boolean tail;
        final Route[] byMethod = new Route[HttpMethod.CONNECT + 1];
        final List<byte[]> extensionNames = new ArrayList<>();
        final List<Route> extensionRoutes = new ArrayList<>();
        Route any;
        Route notAllowed;

        Pattern(String text) {
            this.text = text;
            this.bytes = text.getBytes(StandardCharsets.UTF_8);
            Parsed p = parsePattern(text);
            this.segments = p.segments;
            this.params = p.params;
            this.tail = p.tail;
        }

        boolean literal() {
            return params.length == 0;
        }

        Route forMethod(int method, ByteBuffer buf, int methodOffset, int methodLength) {
            if (method != HttpMethod.EXTENSION) {
                Route r = byMethod[method];
                if (r == null && method == HttpMethod.HEAD) {
                    r = byMethod[HttpMethod.GET];
                }
                if (r != null) {
                    return r;
                }
            } else {
                for (int i = 0; i < extensionNames.size(); i++) {
                    if (HttpRequestParser.regionEquals(buf, methodOffset, methodLength, extensionNames.get(i))) {
                        return extensionRoutes.get(i);
                    }
                }
            }
            return any;
        }
    }

    record Parsed(byte[][] segments, String[] params, boolean tail) {}

    private final Pattern[] table;
    private final int mask;
    private final Pattern[] parameterized;
    private final Route fallback;
    /** CONNECT: no tunnels here. */
    final Route connect;
    /** Most parameters of any pattern: the size of a connection's bounds scratch / 2. */
    final int maxParams;

    RouteTable(Router router, String serverName) {
        Map<String, Pattern> patterns = new LinkedHashMap<>();
        for (Router.Spec s : router.specs()) {
            Pattern p = patterns.computeIfAbsent(s.pattern(), Pattern::new);
            Route r = new Route(s.kind(), s.target(), p.params, serverName);
            if (s.method().equals(Router.ANY_METHOD)) {
                p.any = r;
            } else {
                int code = methodCode(s.method());
                if (code != HttpMethod.EXTENSION) {
                    p.byMethod[code] = r;
                } else {
                    p.extensionNames.add(s.method().getBytes(StandardCharsets.US_ASCII));
                    p.extensionRoutes.add(r);
                }
            }
        }
        List<Pattern> literal = new ArrayList<>();
        List<Pattern> withParams = new ArrayList<>();
        int most = 0;
        for (Pattern p : patterns.values()) {
            if (p.any == null) {
                p.notAllowed = new Route(Router.Kind.FIXED, HttpResponse.builder(405)
                        .header("Allow", allow(p)).text("405 Method Not Allowed\n").build(), new String[0], serverName);
            }
            (p.literal() ? literal : withParams).add(p);
            most = Math.max(most, p.params.length);
        }
        int size = Integer.highestOneBit(Math.max(4, literal.size() * 4 - 1)) << 1;
        table = new Pattern[size];
        mask = size - 1;
        for (Pattern p : literal) {
            int i = hash(p.bytes) & mask;
            while (table[i] != null) {
                i = (i + 1) & mask;
            }
            table[i] = p;
        }
        parameterized = withParams.toArray(Pattern[]::new);
        maxParams = most;
        connect = new Route(Router.Kind.FIXED, HttpResponse.text(501, "501 Not Implemented\n"), new String[0],
                serverName);
        Router.Spec f = router.fallbackSpec();
        fallback = f != null ? new Route(f.kind(), f.target(), new String[0], serverName)
                : new Route(Router.Kind.FIXED, HttpResponse.text(404, "404 Not Found\n"), new String[0], serverName);
    }

    private static String allow(Pattern p) {
        List<String> names = new ArrayList<>();
        for (int m = HttpMethod.GET; m <= HttpMethod.CONNECT; m++) {
            if (p.byMethod[m] != null || (m == HttpMethod.HEAD && p.byMethod[HttpMethod.GET] != null)) {
                names.add(HttpMethod.name(m));
            }
        }
        for (byte[] n : p.extensionNames) {
            names.add(new String(n, StandardCharsets.US_ASCII));
        }
        return String.join(", ", names);
    }

    private static int methodCode(String method) {
        for (int m = HttpMethod.GET; m <= HttpMethod.CONNECT; m++) {
            if (HttpMethod.name(m).equals(method)) {
                return m;
            }
        }
        return HttpMethod.EXTENSION;
    }

    /** Validates and splits a pattern. */
    static Parsed parsePattern(String pattern) {
        if (pattern == null || pattern.isEmpty() || pattern.charAt(0) != '/') {
            throw new IllegalArgumentException("a pattern starts with '/': " + pattern);
        }
        if (pattern.indexOf('?') >= 0 || pattern.indexOf('#') >= 0) {
            throw new IllegalArgumentException("a pattern has no query or fragment: " + pattern);
        }
        if (pattern.equals("/")) {
            return new Parsed(new byte[0][], new String[0], false);
        }
        String[] parts = pattern.substring(1).split("/", -1);
        byte[][] segments = new byte[parts.length][];
        List<String> params = new ArrayList<>();
        boolean tail = false;
        for (int i = 0; i < parts.length; i++) {
            String s = parts[i];
            if (s.startsWith("{") && s.endsWith("}") && s.length() > 2) {
                String name = s.substring(1, s.length() - 1);
                if (name.startsWith("*")) {
                    if (i != parts.length - 1 || name.length() == 1) {
                        throw new IllegalArgumentException("{*name} must be the last segment: " + pattern);
                    }
                    name = name.substring(1);
                    tail = true;
                }
                if (params.contains(name) || name.indexOf('{') >= 0 || name.indexOf('}') >= 0) {
                    throw new IllegalArgumentException("bad or repeated parameter '" + name + "' in " + pattern);
                }
                params.add(name);
            } else {
                if (s.indexOf('{') >= 0 || s.indexOf('}') >= 0) {
                    throw new IllegalArgumentException("a parameter is a whole segment: " + pattern);
                }
                segments[i] = s.getBytes(StandardCharsets.UTF_8);
            }
        }
        return new Parsed(segments, params.toArray(String[]::new), tail);
    }

    // ------------------------------------------------------------------ matching

    private static final byte[] ROOT = {'/'};

    /**
     * Finds the route for a request whose method and path lie in {@code buf}. Fills
     * {@code bounds} with the start and end index of each path parameter.
     *
     * @param pathStart index of the path, or -1 if the target has none (CONNECT)
     * @param pathEnd index after the path; {@code pathStart == pathEnd} is the root
     */
    Route match(ByteBuffer buf, int method, int methodOffset, int methodLength, int pathStart, int pathEnd,
            int[] bounds) {
        if (pathStart < 0) {
            return fallback;
        }
        Pattern notAllowed = null;
        int h = pathStart == pathEnd ? hash(ROOT) : hash(buf, pathStart, pathEnd);
        for (int i = h & mask; ; i = (i + 1) & mask) {
            Pattern p = table[i];
            if (p == null) {
                break;
            }
            boolean same = pathStart == pathEnd
                    ? p.bytes.length == 1 && p.bytes[0] == '/'
                    : HttpRequestParser.regionEquals(buf, pathStart, pathEnd - pathStart, p.bytes);
            if (same) {
                Route r = p.forMethod(method, buf, methodOffset, methodLength);
                if (r != null) {
                    return r;
                }
                notAllowed = p;
                break;
            }
        }
        for (Pattern p : parameterized) {
            if (matches(p, buf, pathStart, pathEnd, bounds)) {
                Route r = p.forMethod(method, buf, methodOffset, methodLength);
                if (r != null) {
                    return r;
                }
                if (notAllowed == null) {
                    notAllowed = p;
                }
            }
        }
        return notAllowed != null ? notAllowed.notAllowed : fallback;
    }

    private static boolean matches(Pattern p, ByteBuffer buf, int start, int end, int[] bounds) {
        int i = start;
        byte[][] segs = p.segments;
        int param = 0;
        for (int k = 0; k < segs.length; k++) {
            if (i >= end || buf.get(i) != '/') {
                return false;
            }
            i++;
            int s = i;
            if (p.tail && k == segs.length - 1) {
                bounds[2 * param] = s;
                bounds[2 * param + 1] = end;
                return true;
            }
            while (i < end && buf.get(i) != '/') {
                i++;
            }
            byte[] lit = segs[k];
            if (lit != null) {
                if (!HttpRequestParser.regionEquals(buf, s, i - s, lit)) {
                    return false;
                }
            } else {
                if (i == s) {
                    return false;
                }
                bounds[2 * param] = s;
                bounds[2 * param + 1] = i;
                param++;
            }
        }
        return i == end;
    }

    private static int hash(byte[] b) {
        int h = 1;
        for (byte x : b) {
            h = 31 * h + x;
        }
        return spread(h);
    }

    private static int hash(ByteBuffer buf, int start, int end) {
        int h = 1;
        for (int i = start; i < end; i++) {
            h = 31 * h + buf.get(i);
        }
        return spread(h);
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    /**
     * The path of the target the parser just read, as {@code start << 32 | end} indices in
     * {@code buf}; start -1 if the target has no path (authority-form); start == end for an
     * absolute-form target without a path (meaning {@code /}).
     */
    static long pathBounds(ByteBuffer buf, HttpRequestParser p) {
        int ts = p.targetOffset();
        int te = ts + p.targetLength();
        int pe = p.queryIndex() >= 0 ? p.queryIndex() : te;
        byte first = buf.get(ts);
        if (first == '/' || first == '*') {
            return (long) ts << 32 | pe;
        }
        if (p.method() == HttpMethod.CONNECT) {
            return -1L << 32;
        }
        // absolute-form: scheme ":" "//" authority path-abempty
        int i = ts;
        while (i < pe && buf.get(i) != ':') {
            i++;
        }
        if (i + 2 < pe && buf.get(i + 1) == '/' && buf.get(i + 2) == '/') {
            i += 3;
            while (i < pe && buf.get(i) != '/') {
                i++;
            }
            return (long) i << 32 | pe;
        }
        return (long) pe << 32 | pe;
    }
}
