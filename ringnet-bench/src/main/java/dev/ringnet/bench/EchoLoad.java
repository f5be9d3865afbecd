package dev.ringnet.bench;

import dev.ringnet.io.IoHandler;
import dev.ringnet.io.ResultHandler;
import dev.ringnet.loop.IoContext;
import dev.ringnet.net.SocketOptions;
import dev.ringnet.net.TcpSocket;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The echo load generator: {@code connections} TCP connections on one ringnet loop, each doing a
 * closed-loop ping-pong of {@code payload}-byte messages (send one, wait for all of it to come
 * back, send the next), for a warm-up period and then a measured period.
 *
 * <p>Per round trip a connection has two operations in flight: the {@code recv} of the echo is
 * submitted before the {@code sendAll} of the message, so the reply never waits for the client to
 * notice that its send completed; the next message goes out once both have completed. Handlers are
 * shared constants and the connection is the attachment, so the client allocates nothing per round
 * trip either. Each message carries a sequence number that the echo must return.
 *
 * <p>Latency is from just before the submission of the send to the handler that sees the last
 * byte of the echo, recorded in an HdrHistogram (3 significant digits) during the measured period
 * only. Run {@link #run()} on the thread that should be the loop thread; it returns when the
 * measured period is over.
 */
public final class EchoLoad {
    /**
     * @param server         where the echo server listens
     * @param connections    concurrent connections, each with one message in flight
     * @param payload        bytes per message (at least 8: the sequence number)
     * @param warmupNanos    warm-up period, not measured
     * @param measureNanos   measured period
     * @param backend        the client's ringnet backend ({@code auto}, {@code io_uring}, {@code nio})
     * @param connectTimeout deadline of each connect
     */
    public record Config(InetSocketAddress server, int connections, int payload, long warmupNanos, long measureNanos,
                         String backend, Duration connectTimeout) {
        public Config {
            Objects.requireNonNull(server, "server");
            Objects.requireNonNull(backend, "backend");
            if (connections < 1) throw new IllegalArgumentException("connections must be >= 1");
            if (payload < 8) throw new IllegalArgumentException("payload must be >= 8 bytes");
            if (warmupNanos < 0 || measureNanos <= 0) throw new IllegalArgumentException("bad periods");
        }
    }

    /** Called on the loop thread at the edges of the measured period (for the orchestrator's counters). */
    public interface PhaseListener {
        void measureStarted();

        void measureEnded();

        PhaseListener NONE = new PhaseListener() {
            @Override
            public void measureStarted() {}

            @Override
            public void measureEnded() {}
        };
    }

    /**
     * What one run measured. Latencies in nanoseconds.
     *
     * @param errors     connections that failed (connect, I/O error, early end of stream, wrong echo)
     * @param firstError the first of them, or null
     * @param medianSliceRate the median over the measured period's whole 100 ms slices of their
     *                   round trips per second: unlike the whole-period rate, barely moved by a few
     *                   long stalls (a virtual machine whose CPUs the host takes away now and then)
     * @param slices     how many slices that median is over
     */
    public record Result(String clientBackend, int connections, int connected, long warmupRoundTrips,
                         long roundTrips, long measuredNanos, long errors, String firstError,
                         long p50, long p90, long p99, long p999, long max, double mean,
                         double medianSliceRate, int slices) {
        public double roundTripsPerSecond() {
            return measuredNanos == 0 ? 0 : roundTrips * 1e9 / measuredNanos;
        }

        /** One line of {@code key=value} pairs (no spaces inside values), parsed by the orchestrator. */
        public String toLine() {
            return "client_backend=" + clientBackend + " connections=" + connections + " connected=" + connected
                    + " warmup_round_trips=" + warmupRoundTrips + " round_trips=" + roundTrips
                    + " measured_ns=" + measuredNanos + " round_trips_per_s=" + String.format(java.util.Locale.ROOT, "%.1f", roundTripsPerSecond())
                    + " errors=" + errors + " p50_ns=" + p50 + " p90_ns=" + p90 + " p99_ns=" + p99 + " p999_ns=" + p999
                    + " max_ns=" + max + " mean_ns=" + Math.round(mean)
                    + " median_slice_round_trips_per_s=" + String.format(java.util.Locale.ROOT, "%.1f", medianSliceRate)
                    + " slices=" + slices
                    + " first_error=" + (firstError == null ? "none" : firstError.replaceAll("\\s+", "_"));
        }
    }

    private static final int SENT = 1, RECEIVED = 2, BOTH = SENT | RECEIVED;
    /** The measured period is also cut into slices this long; see {@link Result#medianSliceRate()}. */
    static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final ResultHandler<TcpSocket, Conn> ON_CONNECTED = EchoLoad::connected;
    private static final IoHandler<Conn> ON_SENT = EchoLoad::sent;
    private static final IoHandler<Conn> ON_RECEIVED = EchoLoad::received;

    private final Config config;
    private final PhaseListener phases;
    private final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private final List<Conn> conns = new ArrayList<>();
    private IoContext ctx;

    private int resolved;
    private int connected;
    private boolean measuring;
    private boolean stopping;
    private long warmupRoundTrips;
    private long roundTrips;
    private long measureStart;
    private long measureEnd;
    private long errors;
    private String firstError;
    private long[] slices;
    private int slice;
    private long sliceCount;
    private long sliceEnd;

    private static final class Conn {
        final EchoLoad load;
        final ByteBuffer out;
        final ByteBuffer in;
        TcpSocket socket;
        long seq;
        long sentAt;
        int state;
        boolean dead;

        Conn(EchoLoad load, int payload, int index) {
            this.load = load;
            this.out = ByteBuffer.allocateDirect(payload);
            this.in = ByteBuffer.allocateDirect(payload);
            for (int i = 0; i < payload; i++) {
                out.put(i, (byte) ('a' + (i + index) % 26));
            }
        }
    }

    public EchoLoad(Config config, PhaseListener phases) {
        this.config = Objects.requireNonNull(config, "config");
        this.phases = phases == null ? PhaseListener.NONE : phases;
    }

    /** Connects, warms up, measures, closes; returns what the measured period saw. */
    public Result run() throws IOException {
        try (IoContext c = IoContext.create(config.backend())) {
            ctx = c;
            for (int i = 0; i < config.connections(); i++) {
                Conn conn = new Conn(this, config.payload(), i);
                conns.add(conn);
                TcpSocket.connect(c, config.server(), config.connectTimeout(), SocketOptions.defaults(), ON_CONNECTED, conn);
            }
            c.run();
            return result(c.backendName());
        } finally {
            ctx = null;
        }
    }

    private Result result(String backend) {
        boolean any = latency.getTotalCount() > 0;
        return new Result(backend, config.connections(), connected, warmupRoundTrips, roundTrips,
                measureEnd - measureStart, errors, firstError,
                any ? latency.getValueAtPercentile(50) : 0, any ? latency.getValueAtPercentile(90) : 0,
                any ? latency.getValueAtPercentile(99) : 0, any ? latency.getValueAtPercentile(99.9) : 0,
                any ? latency.getMaxValue() : 0, any ? latency.getMean() : 0, medianSliceRate(), slice);
    }

    /** Median over the whole slices of the measured period of their round trips per second. */
    private double medianSliceRate() {
        if (slice == 0) {
            return 0;
        }
        long[] s = java.util.Arrays.copyOf(slices, slice);
        java.util.Arrays.sort(s);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
        return median * 1e9 / SLICE_NANOS;
    }

    /** Closes every slice that ended by {@code now}; a slice with no completions counts 0. */
    private void closeSlices(long now) {
        while (now >= sliceEnd) {
            if (slice < slices.length) {
                slices[slice++] = sliceCount;
            }
            sliceCount = 0;
            sliceEnd += SLICE_NANOS;
        }
    }

    // ------------------------------------------------------------------ phases

    private void connectResolved() {
        if (++resolved < config.connections()) {
            return;
        }
        if (connected == 0) {
            ctx.stop();                                     // nothing to measure; errors say why
            return;
        }
        if (config.warmupNanos() > 0) {
            ctx.schedule(Duration.ofNanos(config.warmupNanos()), this::startMeasuring);
        } else {
            startMeasuring();
        }
    }

    private void startMeasuring() {
        if (stopping) {
            return;
        }
        phases.measureStarted();
        latency.reset();
        measuring = true;
        measureStart = System.nanoTime();
        slices = new long[(int) (config.measureNanos() / SLICE_NANOS)];
        slice = 0;
        sliceCount = 0;
        sliceEnd = measureStart + SLICE_NANOS;
        ctx.schedule(Duration.ofNanos(config.measureNanos()), this::stopMeasuring);
    }

    private void stopMeasuring() {
        measureEnd = System.nanoTime();
        measuring = false;
        closeSlices(measureEnd);                              // the last, partial slice is left out
        stopping = true;
        phases.measureEnded();
        for (Conn conn : conns) {
            if (conn.socket != null) {
                conn.socket.close();                         // pending ops complete as cancelled
            }
        }
        ctx.stop();
    }

    // ------------------------------------------------------------------ per connection

    private static void connected(TcpSocket socket, IOException error, Conn conn) {
        EchoLoad load = conn.load;
        if (error != null) {
            load.fail(conn, error);
        } else if (load.stopping) {
            socket.close();
        } else {
            conn.socket = socket;
            load.connected++;
            load.send(conn);
        }
        load.connectResolved();
    }

    private void send(Conn conn) {
        conn.seq++;
        conn.out.clear();
        conn.out.putLong(0, conn.seq);
        conn.in.clear();
        conn.state = 0;
        conn.sentAt = System.nanoTime();
        try {
            conn.socket.recv(conn.in, ON_RECEIVED, conn);      // ready before the echo can arrive
            conn.socket.sendAll(conn.out, ON_SENT, conn);
        } catch (RejectedExecutionException loopClosed) {
            fail(conn, new IOException("loop closed", loopClosed));
        }
    }

    private static void sent(int n, IOException error, Conn conn) {
        if (error != null) {
            conn.load.fail(conn, error);
            return;
        }
        if ((conn.state |= SENT) == BOTH) {
            conn.load.roundTripDone(conn);
        }
    }

    private static void received(int n, IOException error, Conn conn) {
        EchoLoad load = conn.load;
        if (load.stopping) {
            return;                                           // measured period over, sockets closing
        }
        if (error != null || n < 0) {
            load.fail(conn, error != null ? error : new EOFException("server closed the connection"));
            return;
        }
        if (conn.in.hasRemaining()) {                          // part of the echo so far
            conn.socket.recv(conn.in, ON_RECEIVED, conn);
            return;
        }
        if ((conn.state |= RECEIVED) == BOTH) {
            load.roundTripDone(conn);
        }
    }

    private void roundTripDone(Conn conn) {
        long now = System.nanoTime();
        if (conn.in.getLong(0) != conn.seq) {
            fail(conn, new IOException("echo carried sequence " + conn.in.getLong(0) + ", expected " + conn.seq));
            return;
        }
        if (measuring) {
            roundTrips++;
            if (now >= sliceEnd) {
                closeSlices(now);
            }
            sliceCount++;
            latency.recordValue(Math.min(now - conn.sentAt, latency.getHighestTrackableValue()));
        } else {
            warmupRoundTrips++;
        }
        if (!stopping) {
            send(conn);
        }
    }

    private void fail(Conn conn, IOException error) {
        if (stopping || conn.dead) {
            return;                                           // the cancels of our own close
        }
        conn.dead = true;
        errors++;
        if (firstError == null) {
            firstError = error.getClass().getSimpleName() + ": " + error.getMessage();
        }
        if (conn.socket != null) {
            conn.socket.close();
        }
    }
}
