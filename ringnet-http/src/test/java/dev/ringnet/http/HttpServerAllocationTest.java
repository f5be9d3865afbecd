package dev.ringnet.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.IoContext;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The TechEmpower hot path allocates nothing per request on the worker: one worker loop serves
 * /plaintext and /json, pipelined and one at a time, and its thread's allocation counter is read
 * around rounds of requests once warmed up (the best round counts, as in the core's allocation
 * tests: a one-off event cannot fail the test, a per-request allocation shows in every round).
 */
class HttpServerAllocationTest {

    private static final byte[] PLAINTEXT = "GET /plaintext HTTP/1.1\r\nHost: tfb\r\nAccept: text/plain\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON = "GET /json HTTP/1.1\r\nHost: tfb\r\nAccept: application/json\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final int PIPELINE = 16;

    private TestServer server;

    static java.util.stream.Stream<Arguments> backends() {
        return TestServer.backends();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void plaintextAndJsonAllocateNothingPerRequest(BackendInfo backend) throws Exception {
        server = TestServer.start(backend, HttpServer.builder().router(TechEmpower.router()), 1);
        IoContext worker = server.context.workers().getFirst();
        CompletableFuture<Long> tidFuture = new CompletableFuture<>();
        worker.post(() -> tidFuture.complete(Thread.currentThread().threadId()));
        long tid = tidFuture.get(5, TimeUnit.SECONDS);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

        byte[] batch = new byte[PIPELINE * (PLAINTEXT.length + JSON.length) / 2];
        for (int i = 0, at = 0; i < PIPELINE; i++) {
            byte[] r = i % 2 == 0 ? PLAINTEXT : JSON;
            System.arraycopy(r, 0, batch, at, r.length);
            at += r.length;
        }
        try (Socket s = new Socket(server.address.getAddress(), server.address.getPort())) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            // learn the response sizes (constant: the Date is always 29 bytes)
            int plainLength = exchange(out, in, PLAINTEXT, -1);
            int jsonLength = exchange(out, in, JSON, -1);
            int batchLength = PIPELINE / 2 * (plainLength + jsonLength);

            // Rounds until one is clean: the backends' per-call JDK objects (memory segments over
            // the buffers) disappear only once C2 has compiled their path with escape analysis,
            // and when that happens varies from run to run.
            double pipelined = Double.MAX_VALUE;
            double single = Double.MAX_VALUE;
            StringBuilder history = new StringBuilder();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int rounds = 0;
            for (; rounds < 3 || ((pipelined >= 1.0 || single >= 1.0) && System.nanoTime() < deadline); rounds++) {
                long before = threads.getThreadAllocatedBytes(tid);
                for (int i = 0; i < 100; i++) {
                    out.write(batch);
                    readFully(in, batchLength);
                }
                long middle = threads.getThreadAllocatedBytes(tid);
                for (int i = 0; i < 300; i++) {
                    exchange(out, in, PLAINTEXT, plainLength);
                    exchange(out, in, JSON, jsonLength);
                }
                long after = threads.getThreadAllocatedBytes(tid);
                double p = (double) (middle - before) / (100 * PIPELINE);
                double q = (double) (after - middle) / 600;
                history.append(String.format(" %.1f/%.1f", p, q));
                pipelined = Math.min(pipelined, p);
                single = Math.min(single, q);
            }
            System.out.printf("%s: worker allocated %.3f bytes per pipelined request, %.3f per single request"
                    + " (best of %d rounds; per round, pipelined/single:%s)%n", backend.name(), pipelined, single,
                    rounds, history);
            assertThat(pipelined).as("bytes per pipelined request").isLessThan(1.0);
            assertThat(single).as("bytes per request").isLessThan(1.0);
        }
    }

    /** Sends one request and reads its response; returns the response length. */
    private static int exchange(OutputStream out, InputStream in, byte[] request, int knownLength) throws Exception {
        out.write(request);
        if (knownLength > 0) {
            readFully(in, knownLength);
            return knownLength;
        }
        // first time: parse the head for Content-Length
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
        }
        int cl = Integer.parseInt(head.toString().replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
        in.readNBytes(cl);
        return head.length() + cl;
    }

    private static final byte[] SCRATCH = new byte[1 << 16];

    private static void readFully(InputStream in, int n) throws Exception {
        int got = 0;
        while (got < n) {
            int r = in.read(SCRATCH, 0, Math.min(SCRATCH.length, n - got));
            if (r < 0) {
                throw new java.io.EOFException("after " + got + " of " + n);
            }
            got += r;
        }
    }
}
