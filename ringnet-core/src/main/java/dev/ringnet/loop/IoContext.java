package dev.ringnet.loop;

import dev.ringnet.internal.Logs;
import dev.ringnet.internal.MpscQueue;
import dev.ringnet.backend.Backend;
import dev.ringnet.backend.OpTable;
import dev.ringnet.time.Timeout;
import dev.ringnet.time.TimerQueue;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A single-threaded event loop: it waits for I/O completions, timers and posted tasks, and runs
 * their handlers one at a time on its thread.
 *
 * <pre>{@code
 * try (IoContext ctx = IoContext.create()) {          // best backend here
 *     ctx.schedule(Duration.ofSeconds(1), ctx::stop);
 *     ctx.post(() -> System.out.println("on " + ctx.backendName()));
 *     ctx.run();                                       // returns after stop()
 * }
 * }</pre>
 *
 * <h2>Threads</h2>
 * The loop thread is the thread that created the context until {@link #run()}, {@link #runOnce}
 * or {@link #start(String)} hands it to another; {@link #inEventLoop()} tells. Handlers, timers and
 * posted tasks always run there. {@link #post}, {@link #execute}, {@link #stop()},
 * {@link #schedule}, {@link #cancel(long)} and {@link Timeout#cancel()} are safe from any thread.
 * Socket operations in callback form must be submitted on the loop thread; their
 * {@code CompletionStage} and blocking forms may be called from any thread (the blocking form from a
 * virtual thread, never the loop thread).
 *
 * <h2>Wake-ups</h2>
 * A post from the loop thread costs no wake-up. A post from another thread wakes the loop only if
 * it is about to block or blocked, and a burst of posts costs one wake-up: the first poster clears
 * the {@code sleeping} flag and the others see it cleared.
 *
 * <h2>Closing</h2>
 * {@link #close()} stops the loop, completes every pending operation exactly once with
 * {@link dev.ringnet.io.OperationCancelledException}, cancels every timer, runs the tasks already
 * posted, and closes every socket the loop opened. Later posts are rejected.
 */
public final class IoContext implements Executor, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.ringnet.loop");
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    private static final long MAX_WAIT_NANOS = Long.MAX_VALUE / 4;
    /** Timers expired per iteration at most, so that I/O is not starved by a timer storm. */
    private static final int TIMER_BUDGET = 4096;
    /** Remote tasks run per iteration at most, for the same reason. */
    private static final int REMOTE_BUDGET = 4096;
    /**
     * Local tasks run per pass at most (or all those queued when the pass began, if more): tasks
     * posted by tasks run in the same pass (no loop iteration, so no backend poll, between a task
     * and the one it posts) until this many have run, and then I/O gets its turn.
     */
    private static final int LOCAL_BUDGET = 1024;

    private static final VarHandle SLEEPING;

    static {
        try {
            SLEEPING = MethodHandles.lookup().findVarHandle(IoContext.class, "sleeping", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The loop thread; read on every callback-form call (a plain load on x86), written when it changes hands. */
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    private final OpTable ops;
    private final Backend backend;
    private final TimerQueue timers;
    private final ArrayDeque<Runnable> localTasks = new ArrayDeque<>();
    private final MpscQueue<Runnable> remoteTasks = new MpscQueue<>();
    /** Timers scheduled or cancelled on other threads, for the loop to {@linkplain TimerQueue#reconcile reconcile}. */
    private final MpscQueue<Timeout> remoteTimers = new MpscQueue<>();
    private final CountDownLatch exited = new CountDownLatch(1);

    @SuppressWarnings("unused") // accessed through SLEEPING
    private volatile boolean sleeping;
    private volatile boolean stopped;
    private volatile boolean running;
    private volatile boolean closed;
    private volatile boolean closeRequested;

    private IoContext(String backendName) throws IOException {
        owner.set(Thread.currentThread());
        ops = new OpTable(this, owner::get);
        timers = new TimerQueue(this::handOverTimer, this::inEventLoop);
        backend = Backends.create(backendName, ops);
        ops.attach(backend, timers);
    }

    /** Creates a context on the best backend available here ({@code auto}). */
    public static IoContext create() throws IOException {
        return create(Backends.AUTO);
    }

    /**
     * Creates a context on the named backend: {@code auto}, or one of {@link Backends#all()}
     * ({@code io_uring}, {@code epoll}, {@code nio}).
     *
     * @throws IOException if that backend is unavailable here (the message says why) or fails to
     *                     start
     * @throws IllegalArgumentException if the name is unknown
     */
    public static IoContext create(String backend) throws IOException {
        return new IoContext(Objects.requireNonNull(backend, "backend"));
    }

    // ------------------------------------------------------------------ running

    /**
     * Runs the loop on the calling thread until {@link #stop()}; that thread becomes the loop
     * thread. Returns at once if the context is already stopped.
     */
    public void run() {
        enter();
        try {
            while (!stopped) {
                iterate(-1);
            }
        } catch (RuntimeException | Error e) {
            // The backend itself failed (handler exceptions never get here): nothing would ever
            // complete the pending operations, so end them all now rather than leave waiters hanging.
            closeRequested = true;
            stopped = true;
            Logs.log(LOG, System.Logger.Level.ERROR, "event loop on " + backend.name() + " failed; closing the context", e);
            throw e;
        } finally {
            leave();
        }
    }

    /**
     * Runs one iteration on the calling thread: posted tasks, then completions (waiting at most
     * {@code timeout}, less if a timer is due sooner or work is already queued), then due timers
     * and the tasks posted meanwhile.
     *
     * @return how many handlers, timers and tasks ran
     */
    public int runOnce(Duration timeout) {
        long nanos = timeout.isNegative() ? 0 : saturatedNanos(timeout);
        enter();
        try {
            return iterate(nanos);
        } finally {
            leave();
        }
    }

    /** Runs what is ready now without waiting; the reference's {@code process_completions(0)}. */
    public int poll() {
        return runOnce(Duration.ZERO);
    }

    /**
     * Starts {@link #run()} on a new platform thread, which is the loop thread from this call on.
     *
     * @return the started thread
     */
    public Thread start(String threadName) {
        Thread t = Thread.ofPlatform().name(threadName).unstarted(this::run);
        checkMayMoveTo(t);
        if (running) {
            throw new IllegalStateException("IoContext is already running on " + owner.get().getName());
        }
        owner.set(t);
        // Running from now, not from when the thread gets to run(): a close() in between must wait
        // for the loop thread instead of closing on the caller's thread under it.
        running = true;
        t.start();
        return t;
    }

    /**
     * A backend may bind itself to the thread that first ran it (io_uring set up with
     * {@code IORING_SETUP_SINGLE_ISSUER}): then no other thread can ever run the loop.
     */
    private void checkMayMoveTo(Thread next) {
        Thread bound = backend.boundThread();
        if (bound != null && bound != next) {
            throw new IllegalStateException("this " + backend.name() + " context is bound to thread '" + bound.getName()
                    + "' (its ring is single-issuer): run it there, or set -Dringnet.uring.singleIssuer=false"
                    + " to let the loop move between threads at some cost per operation");
        }
    }

    /** Starts {@link #run()} on a new thread named {@code ringnet-loop-N}. */
    public Thread start() {
        return start("ringnet-loop-" + THREAD_IDS.incrementAndGet());
    }

    private void enter() {
        if (closed) {
            throw new IllegalStateException("IoContext is closed");
        }
        if (running && !inEventLoop()) {
            throw new IllegalStateException("IoContext is already running on " + owner.get().getName());
        }
        checkMayMoveTo(Thread.currentThread());
        owner.set(Thread.currentThread());
        running = true;
    }

    private void leave() {
        running = false;
        if (closeRequested) {
            closeNow();
        }
    }

    private int iterate(long timeoutNanos) {
        // Timers first: a thread that schedules a timer and then posts a task finds the timer in the
        // heap when the task runs, as if the two had gone through one queue. Handed-over timers
        // count as work done: the loop then polls without blocking, so a thread scheduling timers
        // in a burst does not pay a wake-up for each one.
        int ran = reconcileRemoteTimers();
        ran += runTasks();
        long wait = timeoutNanos < 0 ? MAX_WAIT_NANOS : timeoutNanos;
        if (ran > 0 || !localTasks.isEmpty()) {
            wait = 0;
        } else if (!timers.isEmpty()) {
            wait = Math.min(wait, Math.max(0, timers.nextDeadline() - System.nanoTime()));
        }
        boolean announced = wait > 0;
        if (announced) {
            // Announce the nap, then look again: a poster either sees the flag or we see its task.
            SLEEPING.setVolatile(this, true);
            if (!remoteTasks.isEmpty() || !remoteTimers.isEmpty() || stopped) {
                wait = 0;
            }
        }
        try {
            ran += backend.poll(wait >= MAX_WAIT_NANOS ? -1 : wait);
        } catch (IOException e) {
            throw new UncheckedIOException("backend " + backend.name() + " failed to poll", e);
        } finally {
            if (announced) {
                SLEEPING.setVolatile(this, false); // a busy loop never announced: no fence to pay
            }
        }
        ran += reconcileRemoteTimers();
        if (!timers.isEmpty()) {
            ran += timers.expire(System.nanoTime(), TIMER_BUDGET);
        }
        return ran + runTasks();
    }

    /** Inserts the timers other threads scheduled, and takes out those they cancelled (at most {@link #REMOTE_BUDGET}). */
    private int reconcileRemoteTimers() {
        int n = 0;
        while (n < REMOTE_BUDGET) {
            Timeout t = remoteTimers.poll();
            if (t == null) {
                break;
            }
            timers.reconcile(t);
            n++;
        }
        return n;
    }

    /** A timer scheduled or cancelled on another thread: queued for the loop, which is woken if it sleeps. */
    private void handOverTimer(Timeout t) {
        if (closed) {
            return; // a cancel after close: close cancelled every timer already, and nobody would drain the queue
        }
        remoteTimers.offer(t);
        wakeIfSleeping();
    }

    /** After queueing something from another thread: wakes the loop if it is (about to be) blocked. */
    private void wakeIfSleeping() {
        if ((boolean) SLEEPING.getVolatile(this) && SLEEPING.compareAndSet(this, true, false)) {
            backend.wakeup();
        }
    }

    /**
     * Runs the local tasks (those queued now, and those they post, up to {@link #LOCAL_BUDGET}),
     * then up to {@link #REMOTE_BUDGET} remote ones. The clock is read once per task: each task's
     * end is the next one's start.
     */
    private int runTasks() {
        int ran = 0;
        long mark = 0;
        int budget = Math.max(localTasks.size(), LOCAL_BUDGET);
        for (Runnable task; ran < budget && (task = localTasks.poll()) != null; ran++) {
            if (ran == 0) {
                mark = System.nanoTime();
            }
            mark = runTask(task, mark);
        }
        for (int n = 0; n < REMOTE_BUDGET; n++) {
            Runnable task = remoteTasks.poll();
            if (task == null) {
                break;
            }
            if (ran++ == 0) {
                mark = System.nanoTime();
            }
            mark = runTask(task, mark);
        }
        return ran;
    }

    /** Runs {@code task}, which started at {@code start}; returns when it ended. */
    private static long runTask(Runnable task, long start) {
        try {
            task.run();
        } catch (Throwable t) {
            Logs.log(LOG, System.Logger.Level.WARNING, "task threw; the loop carries on", t);
        }
        long end = System.nanoTime();
        if (end - start > STALL_WARN_NANOS) {
            warnStall(task, end - start);
            return System.nanoTime(); // reporting took time too (the first log can take long): not the next task's
        }
        return end;
    }

    /** A task (or a loop-affine task's run between two parks) longer than this is logged as a stall. */
    private static final long STALL_WARN_NANOS = Long.getLong("ringnet.stallWarnMillis", 100) * 1_000_000;
    private static final long STALL_WARN_EVERY_NANOS = 10_000_000_000L;
    private static final AtomicLong LAST_STALL_WARN = new AtomicLong(System.nanoTime() - STALL_WARN_EVERY_NANOS);

    private static void warnStall(Runnable task, long nanos) {
        LoopStallEvent event = new LoopStallEvent();
        if (event.isEnabled()) {
            event.loopThread = Thread.currentThread().getName();
            event.task = String.valueOf(task);
            event.heldNanos = nanos;
            event.commit();
        }
        long last = LAST_STALL_WARN.get();
        long now = System.nanoTime();
        if (now - last >= STALL_WARN_EVERY_NANOS && LAST_STALL_WARN.compareAndSet(last, now)) {
            Logs.log(LOG, System.Logger.Level.WARNING, "a task held the event loop thread for " + nanos / 1_000_000
                    + " ms (over ringnet.stallWarnMillis; at most one such warning per 10 s): " + task
                    + " on " + Thread.currentThread().getName() + "; offload blocking work with blockingInvoke", (Throwable) null);
        }
    }

    /** Makes {@link #run()} return after the current handler; safe from any thread. Sticky until {@link #restart()}. */
    public void stop() {
        stopped = true;
        backend.wakeup();
    }

    /** Clears a previous {@link #stop()} so that {@link #run()} can run again. */
    public void restart() {
        stopped = false;
    }

    /** True after {@link #stop()} (or {@link #close()}). */
    public boolean isStopped() {
        return stopped;
    }

    /** True on the loop thread. */
    public boolean inEventLoop() {
        return Thread.currentThread() == owner.get();
    }

    /** Sockets (listeners, connections, UDP) this context has open. Exact on the loop thread. */
    public int openSocketCount() {
        return backend.openHandles();
    }

    /** The backend this context runs on ({@code nio}, {@code io_uring}, {@code epoll}). */
    public String backendName() {
        return backend.name();
    }

    /**
     * Operations in flight + pending timers + queued tasks (and timers handed over from other
     * threads, not yet taken into the heap). Exact on the loop thread, a snapshot elsewhere.
     */
    public int pendingCount() {
        return ops.inFlight() + timers.size() + localTasks.size() + remoteTasks.size() + remoteTimers.size();
    }

    // ------------------------------------------------------------------ tasks

    /**
     * Runs {@code task} on the loop thread, after what is already queued. From the loop thread it
     * costs no wake-up and no synchronization.
     *
     * @throws RejectedExecutionException if the context is closed
     */
    public void post(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            throw new RejectedExecutionException("IoContext is closed");
        }
        if (inEventLoop()) {
            localTasks.add(task);
        } else {
            remoteTasks.offer(task);
            wakeIfSleeping();
        }
    }

    /** Same as {@link #post(Runnable)}. */
    @Override
    public void execute(Runnable task) {
        post(task);
    }

    /**
     * Runs {@code body} as a task: sequential code on a virtual thread whose ringnet I/O parks the
     * virtual thread instead of blocking a platform thread.
     *
     * <pre>{@code
     * Task<Integer> t = ctx.spawn(() -> {
     *     ctx.sleep(Duration.ofMillis(10));
     *     return 42;
     * });
     * int v = t.join();
     * }</pre>
     */
    public <T> Task<T> spawn(Callable<T> body) {
        return Task.start(this, body);
    }

    /**
     * Like {@link #spawn}, but the virtual thread runs on the JDK's default scheduler, never on this
     * loop's thread: for sequential code that may block in ways that would hold the loop (file I/O,
     * native calls, long computations). Its ringnet I/O still goes through this loop.
     */
    public <T> Task<T> spawnOffLoop(Callable<T> body) {
        return Task.start(this, body, false);
    }

    /**
     * True if {@link #spawn} makes loop-affine tasks here (their virtual threads run on this loop's
     * thread); see {@link LoopScheduler#availability()}.
     */
    public boolean loopAffineTasks() {
        return LoopScheduler.availability().available();
    }

    /**
     * Runs blocking or CPU-heavy {@code work} on the shared offload pool (daemon platform threads,
     * {@code max(2, cores)} of them; work beyond that queues) and completes the stage on this loop's
     * thread. Cancelling the stage interrupts the work. Safe from any thread; never blocks.
     */
    public <T> CompletionStage<T> blockingInvoke(Callable<T> work) {
        Objects.requireNonNull(work, "work");
        CompletableFuture<T> done = new CompletableFuture<>();
        java.util.concurrent.Future<?> running = Offload.POOL.submit(() -> {
            T value = null;
            Throwable error = null;
            try {
                value = work.call();
            } catch (Throwable t) {
                error = t;
            }
            T v = value;
            Throwable e = error;
            Runnable finish = () -> {
                if (e == null) {
                    done.complete(v);
                } else {
                    done.completeExceptionally(e);
                }
            };
            try {
                post(finish);
            } catch (RejectedExecutionException closedLoop) {
                finish.run(); // nobody would ever run it on the loop: complete here rather than never
            }
        });
        done.whenComplete((v, e) -> {
            if (done.isCancelled()) {
                running.cancel(true);
            }
        });
        return done;
    }

    /**
     * The blocking form of {@link #blockingInvoke}: parks the calling task (virtual thread) while
     * the offload pool runs {@code work}, so that a loop-affine task does not stall its loop. An
     * interrupt cancels (interrupts) the work and throws {@link InterruptedException}.
     *
     * @throws Exception what {@code work} threw
     */
    public <T> T blockingInvokeAndWait(Callable<T> work) throws Exception {
        checkNotLoopThread("blockingInvokeAndWait");
        java.util.concurrent.Future<T> f = Offload.POOL.submit(work);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw (Error) e.getCause();
        }
    }

    /** The pool behind {@link #blockingInvoke}, shared by every context, started on first use. */
    private static final class Offload {
        static final java.util.concurrent.ExecutorService POOL = java.util.concurrent.Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()),
                Thread.ofPlatform().daemon().name("ringnet-offload-", 1).factory());
    }

    /**
     * Cancels an operation by the request id its callback form returned. Safe from any thread.
     *
     * @return true if the operation was still pending: its handler then runs exactly once,
     *         normally with {@link dev.ringnet.io.OperationCancelledException}; false if it had
     *         already completed or the id is unknown
     */
    public boolean cancel(long requestId) {
        return ops.cancel(requestId);
    }

    // ------------------------------------------------------------------ time

    /**
     * Runs {@code task} on the loop thread after {@code delay}. Safe from any thread.
     *
     * @return a handle whose {@link Timeout#cancel()} prevents the run
     */
    public Timeout schedule(Duration delay, Runnable task) {
        return scheduleAtNanos(System.nanoTime() + saturatedNanos(delay), task);
    }

    /** Runs {@code task} at the wall-clock instant {@code when}, mapped onto the monotonic clock now. */
    public Timeout scheduleAt(Instant when, Runnable task) {
        return schedule(untilInstant(when), task);
    }

    private Timeout scheduleAtNanos(long deadline, Runnable task) {
        Objects.requireNonNull(task, "task");
        if (inEventLoop()) {
            return timers.schedule(deadline, task);
        }
        if (closed) {
            throw new RejectedExecutionException("IoContext is closed");
        }
        Timeout t = timers.newTimeout(deadline, task);
        handOverTimer(t);
        if (closed) {
            // Closed meanwhile: the loop may never have taken the timer in, so it would never fire.
            t.cancel();
            throw new RejectedExecutionException("IoContext is closed");
        }
        return t;
    }

    /** A stage completed after {@code delay}; cancelling it (toCompletableFuture().cancel) cancels the timer. */
    public CompletionStage<Void> sleepAsync(Duration delay) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Timeout t = schedule(delay, new Wakeup(done));
        done.whenComplete((v, e) -> {
            if (done.isCancelled()) {
                t.cancel();
            }
        });
        return done;
    }

    /**
     * Parks the calling virtual thread for {@code delay}, using this loop's timer. Not on the loop
     * thread (it would stall every other handler). If the context closes first, throws
     * {@link CancellationException}.
     */
    public void sleep(Duration delay) throws InterruptedException {
        checkNotLoopThread("sleep");
        CompletableFuture<Void> done = new CompletableFuture<>();
        Timeout t = schedule(delay, new Wakeup(done));
        try {
            done.get();
        } catch (InterruptedException e) {
            t.cancel();
            throw e;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** The timer task behind a sleep: completes the sleeper, or fails it if the loop closes first. */
    private record Wakeup(CompletableFuture<Void> done) implements Runnable {
        @Override
        public void run() {
            done.complete(null);
        }

        void abandon() {
            done.completeExceptionally(new CancellationException("the IoContext closed during the sleep"));
        }
    }

    /** Parks the calling virtual thread until the wall-clock instant {@code when}. */
    public void sleepUntil(Instant when) throws InterruptedException {
        sleep(untilInstant(when));
    }

    /**
     * Runs an asynchronous operation with a deadline: if {@code operation}'s stage has not completed
     * after {@code timeout}, it is cancelled (a ringnet operation is cancelled in its backend, and
     * its buffer is free again once the result stage completes) and the result fails with
     * {@link TimeoutException}.
     *
     * <pre>{@code
     * ctx.withTimeout(Duration.ofSeconds(5), () -> socket.recvAsync(buf))
     *    .whenComplete((n, err) -> ...);
     * }</pre>
     */
    public <T> CompletionStage<T> withTimeout(Duration timeout, Supplier<? extends CompletionStage<T>> operation) {
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletableFuture<T> inner = operation.get().toCompletableFuture();
        boolean[] fired = new boolean[1];
        Timeout timer = schedule(timeout, () -> {
            fired[0] = true;
            inner.cancel(true);
        });
        inner.whenComplete((value, error) -> {
            timer.cancel();
            if (error == null) {
                result.complete(value);
            } else if (fired[0]) {
                TimeoutException te = new TimeoutException("timed out after " + timeout);
                te.initCause(error);
                result.completeExceptionally(te);
            } else {
                result.completeExceptionally(error);
            }
        });
        return result;
    }

    /**
     * Runs blocking ringnet code on the calling (virtual) thread with a deadline: when it passes,
     * the thread is interrupted, which cancels the ringnet operation it is parked in, and this
     * method throws {@link TimeoutException}.
     */
    public <T> T callWithTimeout(Duration timeout, Callable<T> body) throws Exception {
        checkNotLoopThread("callWithTimeout");
        Thread caller = Thread.currentThread();
        AtomicInteger state = new AtomicInteger(); // 0 running, 1 finished, 2 timer fired, 3 interrupt sent
        Timeout timer = schedule(timeout, () -> {
            if (state.compareAndSet(0, 2)) {
                caller.interrupt();
                state.set(3);
            }
        });
        try {
            return body.call();
        } catch (InterruptedException | InterruptedIOException e) {
            if (state.get() >= 2) {
                TimeoutException te = new TimeoutException("timed out after " + timeout);
                te.initCause(e);
                throw te;
            }
            throw e;
        } finally {
            if (!state.compareAndSet(0, 1)) {
                while (state.get() != 3) {
                    Thread.onSpinWait(); // the timer is between its claim and its interrupt
                }
                Thread.interrupted(); // the interrupt was ours: don't leak it to the caller
            }
            timer.cancel();
        }
    }

    private static Duration untilInstant(Instant when) {
        Duration d = Duration.between(Instant.now(), when);
        return d.isNegative() ? Duration.ZERO : d;
    }

    private static long saturatedNanos(Duration d) {
        if (d.isNegative()) {
            return 0;
        }
        try {
            return Math.min(d.toNanos(), MAX_WAIT_NANOS);
        } catch (ArithmeticException overflow) {
            return MAX_WAIT_NANOS;
        }
    }

    private void checkNotLoopThread(String what) {
        if (inEventLoop()) {
            throw new IllegalStateException(what + " would block the event loop thread; use the callback or CompletionStage form");
        }
    }

    // ------------------------------------------------------------------ closing

    /**
     * Stops the loop and releases everything: see the class documentation. From another thread it
     * waits for {@link #run()} to return first; from a handler it takes effect when the current
     * iteration ends.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        // Flag first, then look at `running`; leave() clears `running`, then looks at the flag:
        // whichever way they interleave, one of the two threads closes.
        closeRequested = true;
        stop();
        if (running) {
            if (inEventLoop()) {
                return; // run() closes on its way out
            }
            try {
                exited.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        closeNow();
    }

    private synchronized void closeNow() {
        if (closed) {
            return;
        }
        owner.set(Thread.currentThread());
        try {
            runTasks();
            cancelAllTimers();
            ops.close(); // new submissions are refused from here on: nothing would ever poll them
            backend.close(); // aborts every pending op through the table, exactly once each
            closed = true;
            // Drain what handlers and earlier posters queued; they see a closed context from here on.
            while (runTasks() > 0) {
                // keep draining
            }
            cancelAllTimers(); // scheduled by those tasks, or handed over before `closed` was set
        } finally {
            closed = true;
            exited.countDown();
        }
    }

    /** Cancels every timer, those handed over from other threads included; abandoned sleepers are told. */
    private void cancelAllTimers() {
        while (reconcileRemoteTimers() > 0) {
            // timers scheduled elsewhere are cancelled below like the others
        }
        timers.cancelAll(task -> {
            if (task instanceof Wakeup sleeper) {
                sleeper.abandon();
            }
        });
    }

    /** True after {@link #close()} finished releasing everything. */
    public boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------ for dev.ringnet.net

    /**
     * The loop's operation table. Internal: its type is not exported; ringnet's socket classes use
     * it to submit operations.
     */
    public OpTable opTable() {
        return ops;
    }

    /** The loop's backend. Internal, like {@link #opTable()}. */
    public Backend backend() {
        return backend;
    }

    @Override
    public String toString() {
        return "IoContext[" + backend.name() + (closed ? ", closed" : stopped ? ", stopped" : "") + "]";
    }
}
