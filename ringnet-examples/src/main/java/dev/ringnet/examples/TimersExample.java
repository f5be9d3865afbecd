package dev.ringnet.examples;

import dev.ringnet.loop.IoContext;
import dev.ringnet.loop.Task;
import dev.ringnet.time.Timeout;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;

/**
 * Every way to wait on a loop's timers: {@code schedule}, {@code scheduleAt}, {@code cancel},
 * {@code sleep} and {@code sleepUntil} in a task, {@code withTimeout} on a stage and
 * {@code callWithTimeout} in a task.
 *
 * <p>Run: {@code java dev.ringnet.examples.TimersExample}.
 */
public final class TimersExample {
    private TimersExample() {}

    /**
     * Runs each timer feature once and returns what happened, in order. Call it from any thread but
     * the loop's, while the loop runs ({@link IoContext#start()}).
     */
    public static List<String> demo(IoContext ctx) throws Exception {
        List<String> events = Collections.synchronizedList(new ArrayList<>());

        // schedule / scheduleAt: tasks run on the loop thread, earliest deadline first.
        CountDownLatch fired = new CountDownLatch(3);
        ctx.schedule(Duration.ofMillis(300), () -> { events.add("timer 300 ms"); fired.countDown(); });
        ctx.schedule(Duration.ofMillis(100), () -> { events.add("timer 100 ms"); fired.countDown(); });
        ctx.scheduleAt(Instant.now().plusMillis(200), () -> { events.add("timer at now+200 ms"); fired.countDown(); });

        // cancel: true for the one call that cancelled it; the task never runs.
        Timeout never = ctx.schedule(Duration.ofSeconds(1), () -> events.add("never runs"));
        events.add("cancelled: " + never.cancel());
        fired.await();

        // sleep / sleepUntil: park a task's virtual thread on the loop's timer.
        Task<String> sleeper = ctx.spawn(() -> {
            ctx.sleep(Duration.ofMillis(20));
            ctx.sleepUntil(Instant.now().plusMillis(20));
            return "task slept twice";
        });
        events.add(sleeper.join());

        // withTimeout: the stage fails with TimeoutException, and the slow operation is cancelled.
        try {
            ctx.withTimeout(Duration.ofMillis(50), () -> ctx.sleepAsync(Duration.ofSeconds(10)))
                    .toCompletableFuture().join();
        } catch (CompletionException e) {
            events.add("withTimeout: " + e.getCause().getClass().getSimpleName());
        }

        // callWithTimeout: blocking code in a task, interrupted when the deadline passes.
        Task<String> slow = ctx.spawn(() -> {
            try {
                return ctx.callWithTimeout(Duration.ofMillis(50), () -> {
                    ctx.sleep(Duration.ofSeconds(10));
                    return "finished";
                });
            } catch (TimeoutException e) {
                return "callWithTimeout: TimeoutException";
            }
        });
        events.add(slow.join());
        return events;
    }

    public static void main(String[] args) throws Exception {
        try (IoContext ctx = IoContext.create()) {
            ctx.start();
            demo(ctx).forEach(System.out::println);
        }
    }
}
