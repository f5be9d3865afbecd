package dev.ringnet.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The client side of the memory pass ({@link HttpBench}): opens N connections to an HTTP server,
 * sends one {@code GET /plaintext} on each and reads the whole response, then keeps them open and
 * idle until its standard input ends (the orchestrator closes it) or it is killed.
 *
 * <pre>
 * java -cp ... dev.ringnet.bench.IdleClientMain --port P --connections N --source 127.0.0.2 [--host 127.0.0.1]
 * </pre>
 *
 * A process of its own, so that the connections' client ends do not count against the
 * orchestrator's file-descriptor limit: each process holds at most its own share (the orchestrator
 * starts one per {@link HttpBench#CONNECTIONS_PER_CLIENT}), from its own source address, so that
 * the ephemeral ports of one address suffice. Prints {@code connected N} once every connection got
 * its response, or {@code error I: MESSAGE} and exits 1. Its sockets close with a reset (linger 0),
 * so that their ports are not left in TIME_WAIT: binding the next run's connections to the same
 * source address would otherwise crawl through thousands of ports still held.
 */
public final class IdleClientMain {
    private static final byte[] REQUEST = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private IdleClientMain() {}

    public static void main(String[] argv) throws Exception {
        Args a;
        try {
            a = Args.parse(argv, Set.of("--port", "--connections", "--source", "--host"), Set.of());
            if (!a.has("--port") || !a.has("--connections") || !a.has("--source")) {
                throw new Args.UsageException("--port, --connections and --source are required");
            }
        } catch (Args.UsageException e) {
            System.err.println("IdleClientMain: " + e.getMessage());
            System.exit(2);
            return;
        }
        InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(a.string("--host", "127.0.0.1")),
                a.integer("--port", 0, 1));
        InetAddress source = InetAddress.getByName(a.string("--source", "127.0.0.2"));
        int n = a.integer("--connections", 0, 1);
        List<Socket> open = new ArrayList<>(n);
        byte[] buf = new byte[4096];
        for (int i = 0; i < n; i++) {
            try {
                Socket s = new Socket();
                open.add(s);
                s.setSoLinger(true, 0);   // closed with a reset: no TIME_WAIT holding the port for the next server
                s.bind(new InetSocketAddress(source, 0));
                s.connect(target, 10_000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write(REQUEST);
                readResponse(s.getInputStream(), buf);
            } catch (IOException e) {
                System.out.println("error " + i + ": " + e);
                System.exit(1);
            }
        }
        System.out.println("connected " + open.size());
        System.out.flush();
        while (System.in.read() >= 0) {
            // hold the connections until the orchestrator closes our input
        }
    }

    /** Reads one response: head, then Content-Length bytes of body. */
    static void readResponse(InputStream in, byte[] buf) throws IOException {
        int got = 0, head = -1, length = 0;
        while (head < 0 || got < head + length) {
            if (got == buf.length) {
                throw new IOException("response longer than " + buf.length + " bytes");
            }
            int k = in.read(buf, got, buf.length - got);
            if (k < 0) {
                throw new IOException("server closed the connection");
            }
            got += k;
            if (head < 0) {
                String text = new String(buf, 0, got, StandardCharsets.ISO_8859_1);
                int end = text.indexOf("\r\n\r\n");
                if (end >= 0) {
                    head = end + 4;
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)")
                            .matcher(text.substring(0, end));
                    length = m.find() ? Integer.parseInt(m.group(1)) : 0;
                }
            }
        }
    }
}
