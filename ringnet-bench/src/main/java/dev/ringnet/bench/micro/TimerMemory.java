package dev.ringnet.bench.micro;

import dev.ringnet.loop.IoContext;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.HashedWheelTimer;
import io.netty.util.TimerTask;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Heap bytes per pending timer: schedules {@code count} timers an hour out on one implementation
 * and divides the growth of the live heap by {@code count}.
 *
 * <p>The live heap is read from {@link MemoryMXBean} after full collections, repeated until two
 * readings in a row agree within 64 KiB. Before the first reading the implementation exists and
 * has scheduled and cancelled 10,000 timers (and dropped them), so its fixed cost (threads, wheel,
 * queues), lazily created structures and the classes' static data are not counted; what is
 * counted is each timer's objects and its share of the growable arrays that hold them, which is
 * what a million pending timeouts cost. Nothing is closed between the two readings, so no dying
 * subject can be mistaken for a live one.
 *
 * <ul>
 *   <li>{@code ringnet}: {@code IoContext.schedule} on the context's own thread (before it runs), so
 *       the timers go straight into its heap: a {@code Timeout} and an array slot each.
 *   <li>{@code hwt}: {@code HashedWheelTimer.newTimeout} (512 buckets, 10 ms tick). New timeouts wait
 *       in a queue until the worker moves them into the wheel, at most 100,000 per tick; the reading is
 *       taken once a marker timeout scheduled after them has run, so all of them are in the wheel.
 *   <li>{@code stpe}: {@code ScheduledThreadPoolExecutor(1).schedule(Runnable, ...)}: a
 *       {@code ScheduledFutureTask}, the adapter it wraps the {@code Runnable} in, and a queue slot.
 *   <li>{@code netty-eventloop}: {@code EventLoop.schedule} from the loop thread (one task schedules
 *       them all), as a handler arms a timeout: a {@code ScheduledFutureTask} and a queue slot.
 * </ul>
 *
 * <p>Every timer shares one task, so the task's own size is not counted for any of them. Run as a
 * program ({@code --impl NAME --count N}) it measures once and prints one line,
 * {@code timer-memory impl=NAME count=N bytes-per-timer=B heap-before=X heap-after=Y}.
 * {@code MicroBench} runs it in a fresh JVM per attempt ({@link MicroBench#MEMORY_JVM_ARGS}: Serial
 * GC leaving no dead objects behind in a full collection, and no thread-local allocation buffers,
 * so that "used after a full GC" is exactly the live data) and keeps each implementation's
 * smallest figure, since noise only ever adds. In another JVM (G1, TLABs) the figure can be off by
 * megabytes in either direction: fine for a million timers, not for a few thousand.
 */
public final class TimerMemory {
    public static final List<String> NAMES = List.of("ringnet", "hwt", "stpe", "netty-eventloop");

    private static final long SETTLED_BYTES = 64 * 1024;
    private static final int MAX_GCS = 20;
    private static final int WARM_UP = 10_000;
    private static final long HOUR_NANOS = TimeUnit.HOURS.toNanos(1);

    private TimerMemory() {
    }

    /** One measurement's outcome. */
    public record Result(String impl, int count, double bytesPerTimer, long heapBefore, long heapAfter) {
    }

    /** Implementations of "schedule this many far-future timers and keep them pending". */
    private interface Subject extends AutoCloseable {
        /** Schedules {@code n} timers an hour out; returns once all of them are in their final place. */
        void schedule(int n) throws Exception;

        /** Schedules {@code n} timers and cancels them; returns once the implementation has dropped them. */
        void warmUp(int n) throws Exception;

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        String impl = null;
        int count = 1_000_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--impl" -> impl = args[++i];
                case "--count" -> count = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: TimerMemory --impl " + String.join("|", NAMES) + " [--count N]");
            }
        }
        if (impl == null) {
            throw new IllegalArgumentException("--impl is required: one of " + NAMES);
        }
        Result r = measure(impl, count);
        System.out.printf(Locale.ROOT, "timer-memory impl=%s count=%d bytes-per-timer=%.1f heap-before=%d heap-after=%d%n",
                r.impl(), r.count(), r.bytesPerTimer(), r.heapBefore(), r.heapAfter());
    }

    /** Measures once, on a fresh instance of {@code impl}, in this JVM. */
    public static Result measure(String impl, int count) throws Exception {
        if (!NAMES.contains(impl)) {
            throw new IllegalArgumentException("unknown timers " + impl + "; one of " + NAMES);
        }
        if (count <= 0) {
            throw new IllegalArgumentException("count must be positive: " + count);
        }
        try (Subject s = open(impl)) {
            s.warmUp(WARM_UP); // starts threads, loads and links the code, creates lazily built structures
            long before = settledHeapUsed();
            s.schedule(count);
            long after = settledHeapUsed();
            Reference.reachabilityFence(s); // the subject, and so its timers, must be live at the second reading
            return new Result(impl, count, (after - before) / (double) count, before, after);
        }
    }

    /** Collects until two consecutive readings of the used heap agree, so that only live data is counted. */
    static long settledHeapUsed() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long previous = -1;
        for (int i = 0; i < MAX_GCS; i++) {
            System.gc();
            long used = memory.getHeapMemoryUsage().getUsed();
            if (previous >= 0 && Math.abs(used - previous) < SETTLED_BYTES) {
                return used;
            }
            previous = used;
        }
        return previous;
    }

    private static Subject open(String impl) throws IOException {
        return switch (impl) {
            case "ringnet" -> new Ringnet();
            case "hwt" -> new Wheel();
            case "stpe" -> new Stpe();
            case "netty-eventloop" -> new NettyLoop();
            default -> throw new IllegalArgumentException(impl);
        };
    }

    private static final Runnable TASK = () -> { };

    private static final class Ringnet implements Subject {
        private static final Duration HOUR = Duration.ofHours(1);
        final IoContext ctx = IoContext.create();

        Ringnet() throws IOException {
        }

        @Override
        public void schedule(int n) {
            for (int i = 0; i < n; i++) {
                ctx.schedule(HOUR, TASK); // this thread owns the context: straight into the heap
            }
        }

        @Override
        public void warmUp(int n) {
            List<dev.ringnet.time.Timeout> all = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                all.add(ctx.schedule(HOUR, TASK));
            }
            all.forEach(dev.ringnet.time.Timeout::cancel); // on the owning thread: removed at once
        }

        @Override
        public void close() {
            ctx.close();
        }
    }

    private static final class Wheel implements Subject {
        final HashedWheelTimer timer = new HashedWheelTimer(Loops.nettyThreads("memory-hwt"), 10, TimeUnit.MILLISECONDS, 512);
        final TimerTask task = t -> { };

        @Override
        public void schedule(int n) throws InterruptedException {
            for (int i = 0; i < n; i++) {
                timer.newTimeout(task, HOUR_NANOS, TimeUnit.NANOSECONDS);
            }
            settle();
        }

        @Override
        public void warmUp(int n) throws InterruptedException {
            List<io.netty.util.Timeout> all = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                all.add(timer.newTimeout(task, HOUR_NANOS, TimeUnit.NANOSECONDS));
            }
            all.forEach(io.netty.util.Timeout::cancel);
            settle();
        }

        /**
         * Waits for the worker to catch up: on each tick it first drops the cancelled timeouts, then
         * moves queued ones into the wheel in order, then runs the due ones. Once a timeout
         * scheduled now has run, everything scheduled or cancelled before it has been dealt with and
         * the queue's consumed chunks are garbage.
         */
        private void settle() throws InterruptedException {
            CountDownLatch moved = new CountDownLatch(1);
            timer.newTimeout(t -> moved.countDown(), 0, TimeUnit.NANOSECONDS);
            moved.await();
        }

        @Override
        public void close() {
            timer.stop();
        }
    }

    private static final class Stpe implements Subject {
        final ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1,
                r -> Thread.ofPlatform().name("memory-stpe").daemon().unstarted(r));

        Stpe() {
            pool.setRemoveOnCancelPolicy(true);
        }

        @Override
        public void schedule(int n) {
            for (int i = 0; i < n; i++) {
                pool.schedule(TASK, HOUR_NANOS, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void warmUp(int n) {
            List<ScheduledFuture<?>> all = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                all.add(pool.schedule(TASK, HOUR_NANOS, TimeUnit.NANOSECONDS));
            }
            all.forEach(f -> f.cancel(false)); // remove-on-cancel: out of the queue at once
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    private static final class NettyLoop implements Subject {
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, Loops.nettyThreads("memory-netty-loop"),
                NioIoHandler.newFactory());
        final EventLoop loop = group.next();

        @Override
        public void schedule(int n) {
            loop.submit(() -> {
                for (int i = 0; i < n; i++) {
                    loop.schedule(TASK, HOUR_NANOS, TimeUnit.NANOSECONDS);
                }
            }).syncUninterruptibly();
        }

        @Override
        public void warmUp(int n) {
            loop.submit(() -> {
                List<ScheduledFuture<?>> all = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    all.add(loop.schedule(TASK, HOUR_NANOS, TimeUnit.NANOSECONDS));
                }
                all.forEach(f -> f.cancel(false)); // on the loop thread: out of the queue at once
            }).syncUninterruptibly();
        }

        @Override
        public void close() {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
