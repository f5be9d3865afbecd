package dev.ringnet.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The JDK comparison server: plain {@code java.net} sockets, one virtual thread per connection,
 * a minimal HTTP/1.1 keep-alive parser that tolerates pipelining (every complete request in the
 * buffer is answered, the answers written with one {@code write} per read), the same pre-encoded
 * responses as {@link NettyHttpMain} (re-encoded once a second for the Date header).
 *
 * <p>{@code VirtualThreadHttpMain --port P [--host H]}; prints
 * {@code listening on HOST:PORT server jdk-vt transport vt pid PID}, exits on SIGTERM.
 */
public final class VirtualThreadHttpMain {
    private static final int MAX_HEAD = 64 * 1024;

    private volatile HttpResponses responses = HttpResponses.now("jdk-vt");
    private final ScheduledExecutorService dateRefresher =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("jdk-vt-date").factory());
    private VirtualThreadAcceptor acceptor;

    private VirtualThreadHttpMain() {}

    static VirtualThreadHttpMain start(String host, int port) throws IOException {
        VirtualThreadHttpMain server = new VirtualThreadHttpMain();
        server.acceptor = VirtualThreadAcceptor.start(host, port, "jdk-vt-accept", server::serve);
        // The Date header, encoded again once a second, as the other servers do.
        server.dateRefresher.scheduleAtFixedRate(() -> server.responses = HttpResponses.now("jdk-vt"),
                1, 1, TimeUnit.SECONDS);
        return server;
    }

    int port() {
        return acceptor.port();
    }

    void close() throws IOException {
        dateRefresher.shutdownNow();
        acceptor.close();
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[4096];
            byte[] outBuf = new byte[4096];
            int start = 0, end = 0, scan = 0;
            while (true) {
                int n = in.read(buf, end, buf.length - end);
                if (n < 0) {
                    return;
                }
                end += n;
                int outLen = 0;
                boolean close = false;
                while (true) {
                    int headEnd = indexOfCrlfCrlf(buf, Math.max(start, scan - 3), end);
                    if (headEnd < 0) {
                        scan = end;
                        break;
                    }
                    Request req = parse(buf, start, headEnd);
                    if (req == null) {
                        byte[] bad = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII);
                        out.write(outBuf, 0, outLen);
                        out.write(bad);
                        return;
                    }
                    int next = headEnd + 4 + req.contentLength;
                    if (next > end) {  // body not all here yet
                        scan = headEnd;
                        break;
                    }
                    byte[] r = responses.forPath(req.path);
                    if (outLen + r.length > outBuf.length) {
                        byte[] bigger = new byte[Math.max(outBuf.length * 2, outLen + r.length)];
                        System.arraycopy(outBuf, 0, bigger, 0, outLen);
                        outBuf = bigger;
                    }
                    System.arraycopy(r, 0, outBuf, outLen, r.length);
                    outLen += r.length;
                    start = scan = next;
                    if (req.close) {
                        close = true;
                        break;
                    }
                }
                if (outLen > 0) {
                    out.write(outBuf, 0, outLen);
                }
                if (close) {
                    return;
                }
                if (start == end) {
                    start = end = scan = 0;
                } else if (end == buf.length) {
                    if (start > 0) {
                        System.arraycopy(buf, start, buf, 0, end - start);
                        end -= start;
                        scan -= start;
                        start = 0;
                    } else if (buf.length < MAX_HEAD) {
                        byte[] bigger = new byte[buf.length * 2];
                        System.arraycopy(buf, 0, bigger, 0, end);
                        buf = bigger;
                    } else {
                        return;  // a request head over 64 KiB: give up on the connection
                    }
                }
            }
        } catch (SocketException e) {
            // reset by the client
        } catch (IOException e) {
            // closed
        }
    }

    private record Request(String path, int contentLength, boolean close) {}

    private static int indexOfCrlfCrlf(byte[] b, int from, int end) {
        for (int i = Math.max(from, 0); i + 3 < end; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Request line and the two headers that matter here; null if malformed. */
    private static Request parse(byte[] b, int start, int headEnd) {
        int sp1 = -1, sp2 = -1, lineEnd = headEnd;
        for (int i = start; i < headEnd; i++) {
            if (b[i] == ' ') {
                if (sp1 < 0) {
                    sp1 = i;
                } else if (sp2 < 0) {
                    sp2 = i;
                }
            } else if (b[i] == '\r') {
                lineEnd = i;
                break;
            }
        }
        if (sp1 < 0 || sp2 < 0 || sp2 > lineEnd) {
            return null;
        }
        String path = new String(b, sp1 + 1, sp2 - sp1 - 1, StandardCharsets.ISO_8859_1);
        boolean close = lineEnd - sp2 - 1 == 8 && b[lineEnd - 1] == '0';  // HTTP/1.0: close unless asked
        int contentLength = 0;
        int i = lineEnd + 2;
        while (i < headEnd) {
            int e = i;
            while (e < headEnd && b[e] != '\r') {
                e++;
            }
            if (startsWithIgnoreCase(b, i, e, "content-length:")) {
                try {
                    contentLength = Integer.parseInt(new String(b, i + 15, e - i - 15, StandardCharsets.ISO_8859_1).trim());
                } catch (NumberFormatException ex) {
                    return null;
                }
            } else if (startsWithIgnoreCase(b, i, e, "connection:")) {
                String v = new String(b, i + 11, e - i - 11, StandardCharsets.ISO_8859_1).trim();
                close = v.equalsIgnoreCase("close") || (close && !v.equalsIgnoreCase("keep-alive"));
            }
            i = e + 2;
        }
        return contentLength < 0 ? null : new Request(path, contentLength, close);
    }

    private static boolean startsWithIgnoreCase(byte[] b, int from, int end, String prefix) {
        if (end - from < prefix.length()) {
            return false;
        }
        for (int k = 0; k < prefix.length(); k++) {
            if (Character.toLowerCase((char) b[from + k]) != prefix.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    public static void main(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of("--port", "--host", "--transport"), Set.of());
        String host = a.string("--host", "127.0.0.1");
        VirtualThreadHttpMain server = start(host, a.integer("--port", 8080, 0));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (IOException e) {
                // exiting anyway
            }
        }));
        System.out.println("listening on " + host + ":" + server.port() + " server jdk-vt transport vt pid "
                + ProcessHandle.current().pid());
        System.out.flush();
        Thread.currentThread().join();
    }
}
