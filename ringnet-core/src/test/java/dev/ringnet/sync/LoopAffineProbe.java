package dev.ringnet.sync;

import dev.ringnet.loop.IoContext;
import dev.ringnet.loop.LoopScheduler;
import java.util.concurrent.TimeUnit;

/** Run in a fresh JVM by {@link LoopAffineTaskTest}: reports what loop affinity it got. */
public final class LoopAffineProbe {
    private LoopAffineProbe() {}

    public static void main(String[] args) throws Exception {
        System.out.println("availability=" + LoopScheduler.availability());
        try (IoContext ctx = IoContext.create()) {
            ctx.start("probe-loop");
            System.out.println("loopAffineTasks=" + ctx.loopAffineTasks());
            int v = ctx.spawn(() -> {
                String s = Thread.currentThread().toString();
                System.out.println("carrier=" + s.substring(s.lastIndexOf('@') + 1));
                return 42;
            }).get(10, TimeUnit.SECONDS);
            // A task that hogs the loop for 20 ms: over -Dringnet.stallWarnMillis=5, it is reported.
            java.util.concurrent.CompletableFuture<Void> hogged = new java.util.concurrent.CompletableFuture<>();
            ctx.post(() -> {
                long end = System.nanoTime() + 20_000_000;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                hogged.complete(null);
            });
            hogged.get(10, TimeUnit.SECONDS);
            System.out.println("task done=" + v);
        }
        System.out.flush();
    }
}
