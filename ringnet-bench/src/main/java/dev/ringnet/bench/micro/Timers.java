package dev.ringnet.bench.micro;

import dev.ringnet.loop.IoContext;
import dev.ringnet.time.Timeout;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.HashedWheelTimer;
import io.netty.util.TimerTask;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The timer implementations {@link TimerBench} compares, behind two batch operations that do
 * the same work on each: {@code n} timers scheduled and cancelled before they fire, and {@code n}
 * timers scheduled due at once and run.
 *
 * <ul>
 *   <li>{@code ringnet}: {@link IoContext#schedule} and {@link Timeout#cancel()} called on the
 *       loop thread, where a loop's timers are armed in practice (by handlers); the batch runs
 *       as one task handed to the loop, which waits (blocks) between batches.
 *   <li>{@code ringnet-remote}: the same calls from another thread (the benchmark thread) onto
 *       the running loop: each schedule and each cancel is then also a post to the loop.
 *   <li>{@code netty-eventloop}: Netty's own loop timers, {@code EventLoop.schedule} and
 *       {@code ScheduledFuture.cancel}, on the loop thread of a one-thread
 *       {@code MultiThreadIoEventLoopGroup} with {@code NioIoHandler}: the like-for-like
 *       counterpart of {@code ringnet}.
 *   <li>{@code hwt}: Netty's {@link HashedWheelTimer} (tick 1 ms, its minimum, 512 buckets),
 *       called from the benchmark thread; its worker thread moves new timeouts into the wheel,
 *       drops cancelled ones and runs due ones once per tick.
 *   <li>{@code stpe}: {@link ScheduledThreadPoolExecutor} with one thread and
 *       {@code setRemoveOnCancelPolicy(true)}, called from the benchmark thread.
 * </ul>
 *
 * <p>Where the implementation hands work to another thread (every one but the loop-thread
 * forms), the caller stops and waits whenever more than {@value #WINDOW} timers are outstanding
 * on the other side, so that queues stay bounded and the score is the sustained rate, not the rate
 * at which a backlog can be piled up. Due timers use a zero delay; cancelled ones a 10 s delay.
 */
interface Timers extends AutoCloseable {

    List<String> NAMES = List.of("ringnet", "ringnet-remote", "netty-eventloop", "hwt", "stpe");

    /** Work allowed to be outstanding on another thread before the caller waits. */
    int WINDOW = 16_384;
    /** Timers scheduled at a time on the loop in {@link #scheduleFire}: each burst fires before the next. */
    int BURST = 1024;
    Duration FAR = Duration.ofSeconds(10);
    long FAR_NANOS = FAR.toNanos();

    /** Schedules {@code n} timers 10 s out and cancels each right away. Returns when done. */
    void scheduleCancel(int n);

    /** Schedules {@code n} timers due at once; returns when they ran, or (handed off) when at most {@value #WINDOW} are left. */
    void scheduleFire(int n);

    /** Waits until nothing is outstanding on another thread. */
    void drain();

    /** Timer tasks that ran so far. */
    long fired();

    @Override
    void close();

    static Timers open(String impl) throws IOException {
        return switch (impl) {
            case "ringnet" -> new RingnetOnLoop();
            case "ringnet-remote" -> new RingnetRemote();
            case "netty-eventloop" -> new NettyEventLoop();
            case "hwt" -> new Wheel();
            case "stpe" -> new Stpe();
            default -> throw new IllegalArgumentException("unknown timers " + impl + "; one of " + NAMES);
        };
    }

    /** Waits briefly while another thread catches up; only ever called when the caller is ahead. */
    static void backOff() {
        LockSupport.parkNanos(20_000);
    }

    /** A task that counts its runs (one writer: the thread that runs timers) and publishes the count. */
    class Fired implements Runnable, TimerTask {
        private static final VarHandle COUNT;

        static {
            try {
                COUNT = MethodHandles.lookup().findVarHandle(Fired.class, "count", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // through COUNT
        private volatile long count;

        @Override
        public void run() {
            COUNT.setRelease(this, (long) COUNT.get(this) + 1);
        }

        @Override
        public void run(io.netty.util.Timeout timeout) {
            run();
        }

        long count() {
            return (long) COUNT.getVolatile(this);
        }
    }

    /** The task of a timer that is always cancelled: must never run. */
    Runnable NEVER = () -> {
        throw new IllegalStateException("a cancelled timer ran");
    };

    /** Handed-off scheduling: a count of what was scheduled, and waiting on what fired. */
    abstract class Remote implements Timers {
        final Fired fired = new Fired();
        long scheduled;

        /**
         * Before each schedule: every 256 schedules, waits while {@value #WINDOW} or more timers
         * have not fired yet (looking at the other thread's counter on every schedule would cost
         * a cache miss each time it moved).
         */
        final void window() {
            if ((scheduled & 255) == 0 && scheduled - fired.count() >= WINDOW) {
                do {
                    backOff();
                } while (scheduled - fired.count() >= WINDOW);
            }
        }

        @Override
        public void drain() {
            while (fired.count() != scheduled) {
                backOff();
            }
        }

        @Override
        public long fired() {
            return fired.count();
        }
    }

    // ------------------------------------------------------------------ ringnet

    /** ringnet on its loop thread: the batch is one task on the loop. */
    final class RingnetOnLoop implements Timers {
        final IoContext ctx = IoContext.create();
        final Completion completion = new Completion();
        final Fired fired = new Fired();
        final CancelBatch cancelBatch = new CancelBatch();
        final FireBatch fireBatch = new FireBatch();

        RingnetOnLoop() throws IOException {
            ctx.start("bench-ringnet-loop");
        }

        @Override
        public void scheduleCancel(int n) {
            long batch = completion.arm();
            cancelBatch.n = n;
            ctx.post(cancelBatch);
            completion.await(batch);
        }

        @Override
        public void scheduleFire(int n) {
            long batch = completion.arm();
            fireBatch.start(n);
            ctx.post(fireBatch);
            completion.await(batch);
        }

        final class CancelBatch implements Runnable {
            int n;

            @Override
            public void run() {
                IoContext c = ctx;
                for (int i = n; i > 0; i--) {
                    Timeout t = c.schedule(FAR, NEVER);
                    t.cancel();
                }
                completion.signal();
            }
        }

        /** Posted to start a batch; then the timer task of every timer in it. */
        final class FireBatch implements Runnable {
            int left;
            int inBurst;
            boolean started;

            void start(int n) {
                left = n;
                started = false;
            }

            @Override
            public void run() {
                if (!started) {
                    started = true;
                    burst();
                    return;
                }
                fired.run();
                left--;
                if (--inBurst == 0) {
                    if (left == 0) {
                        completion.signal();
                    } else {
                        burst();
                    }
                }
            }

            private void burst() {
                int b = Math.min(BURST, left);
                inBurst = b;
                for (int i = 0; i < b; i++) {
                    ctx.schedule(Duration.ZERO, this);
                }
            }
        }

        @Override
        public void drain() {
        }

        @Override
        public long fired() {
            return fired.count();
        }

        @Override
        public void close() {
            ctx.close();
        }
    }

    /** ringnet called from another thread: every schedule and cancel is also a post to the loop. */
    final class RingnetRemote extends Remote {
        final IoContext ctx = IoContext.create();
        /** Posted every {@value #FENCE_EVERY} cancels, so the caller can tell how far the loop is behind. */
        final Fired fence = new Fired();
        long fencesPosted;
        static final int FENCE_EVERY = 1024;

        RingnetRemote() throws IOException {
            ctx.start("bench-ringnet-loop");
        }

        @Override
        public void scheduleCancel(int n) {
            IoContext c = ctx;
            for (int i = 0; i < n; i++) {
                Timeout t = c.schedule(FAR, NEVER);
                t.cancel();
                if ((i & (FENCE_EVERY - 1)) == FENCE_EVERY - 1) {
                    fence();
                }
            }
        }

        private void fence() {
            ctx.post(fence);
            fencesPosted++;
            while ((fencesPosted - fence.count()) * FENCE_EVERY > WINDOW) {
                backOff();
            }
        }

        @Override
        public void scheduleFire(int n) {
            IoContext c = ctx;
            Fired f = fired;
            for (int i = 0; i < n; i++) {
                window();
                c.schedule(Duration.ZERO, f);
                scheduled++;
            }
        }

        @Override
        public void drain() {
            super.drain();
            while (fence.count() != fencesPosted) {
                backOff();
            }
        }

        @Override
        public void close() {
            ctx.close();
        }
    }

    // ------------------------------------------------------------------ Netty

    /** Netty's loop timers on the loop thread: the batch is one task on the loop. */
    final class NettyEventLoop implements Timers {
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, Loops.nettyThreads("bench-netty-loop"),
                NioIoHandler.newFactory());
        final EventLoop loop = group.next();
        final Completion completion = new Completion();
        final Fired fired = new Fired();
        final CancelBatch cancelBatch = new CancelBatch();
        final FireBatch fireBatch = new FireBatch();

        NettyEventLoop() {
            loop.submit(() -> { }).syncUninterruptibly(); // start the thread outside the measurement
        }

        @Override
        public void scheduleCancel(int n) {
            long batch = completion.arm();
            cancelBatch.n = n;
            loop.execute(cancelBatch);
            completion.await(batch);
        }

        @Override
        public void scheduleFire(int n) {
            long batch = completion.arm();
            fireBatch.start(n);
            loop.execute(fireBatch);
            completion.await(batch);
        }

        final class CancelBatch implements Runnable {
            int n;

            @Override
            public void run() {
                EventLoop l = loop;
                for (int i = n; i > 0; i--) {
                    ScheduledFuture<?> f = l.schedule(NEVER, FAR_NANOS, TimeUnit.NANOSECONDS);
                    f.cancel(false);
                }
                completion.signal();
            }
        }

        final class FireBatch implements Runnable {
            int left;
            int inBurst;
            boolean started;

            void start(int n) {
                left = n;
                started = false;
            }

            @Override
            public void run() {
                if (!started) {
                    started = true;
                    burst();
                    return;
                }
                fired.run();
                left--;
                if (--inBurst == 0) {
                    if (left == 0) {
                        completion.signal();
                    } else {
                        burst();
                    }
                }
            }

            private void burst() {
                int b = Math.min(BURST, left);
                inBurst = b;
                for (int i = 0; i < b; i++) {
                    loop.schedule(this, 0, TimeUnit.NANOSECONDS);
                }
            }
        }

        @Override
        public void drain() {
        }

        @Override
        public long fired() {
            return fired.count();
        }

        @Override
        public void close() {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Netty's HashedWheelTimer, called from the benchmark thread. */
    final class Wheel extends Remote {
        final HashedWheelTimer timer = new HashedWheelTimer(Loops.nettyThreads("bench-hwt"), 1, TimeUnit.MILLISECONDS, 512);
        final TimerTask never = t -> NEVER.run();

        Wheel() {
            timer.start();
        }

        @Override
        public void scheduleCancel(int n) {
            HashedWheelTimer w = timer;
            TimerTask task = never;
            for (int i = 0; i < n; i++) {
                io.netty.util.Timeout t = w.newTimeout(task, FAR_NANOS, TimeUnit.NANOSECONDS);
                t.cancel();
                // pendingTimeouts counts the cancelled timeouts until the worker has dropped them.
                if ((i & 1023) == 1023) {
                    while (w.pendingTimeouts() > WINDOW) {
                        backOff();
                    }
                }
            }
        }

        @Override
        public void scheduleFire(int n) {
            HashedWheelTimer w = timer;
            Fired f = fired;
            for (int i = 0; i < n; i++) {
                window();
                w.newTimeout(f, 0, TimeUnit.NANOSECONDS);
                scheduled++;
            }
        }

        @Override
        public void drain() {
            super.drain();
            while (timer.pendingTimeouts() != 0) {
                backOff();
            }
        }

        @Override
        public void close() {
            timer.stop();
        }
    }

    // ------------------------------------------------------------------ JDK

    /** ScheduledThreadPoolExecutor(1), remove-on-cancel, called from the benchmark thread. */
    final class Stpe extends Remote {
        final ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1,
                r -> Thread.ofPlatform().name("bench-stpe").daemon().unstarted(r));

        Stpe() {
            pool.setRemoveOnCancelPolicy(true);
            pool.prestartAllCoreThreads();
        }

        @Override
        public void scheduleCancel(int n) {
            ScheduledThreadPoolExecutor p = pool;
            for (int i = 0; i < n; i++) {
                ScheduledFuture<?> f = p.schedule(NEVER, FAR_NANOS, TimeUnit.NANOSECONDS);
                f.cancel(false);
            }
        }

        @Override
        public void scheduleFire(int n) {
            ScheduledThreadPoolExecutor p = pool;
            Fired f = fired;
            for (int i = 0; i < n; i++) {
                window();
                p.schedule(f, 0, TimeUnit.NANOSECONDS);
                scheduled++;
            }
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }
}
