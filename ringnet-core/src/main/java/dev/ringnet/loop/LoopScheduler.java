package dev.ringnet.loop;

import dev.ringnet.internal.Logs;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Loop-affine virtual threads: a virtual thread whose scheduler is an {@link IoContext}, so that
 * its continuations run as tasks on the loop thread (the loop thread is its carrier). This is the
 * one place in ringnet that uses a non-public JDK API: the
 * {@code java.lang.ThreadBuilders$VirtualThreadBuilder(Executor)} constructor (present in JDK 21
 * to 25), which needs {@code --add-opens java.base/java.lang=ALL-UNNAMED} (or {@code =dev.ringnet.core}
 * on the module path). When it is unavailable, or {@code -Dringnet.loopAffine=false}, tasks fall back
 * to the JDK's default virtual-thread scheduler; the reason is logged once and reported by
 * {@link #availability()}.
 */
public final class LoopScheduler {
    private static final System.Logger LOG = System.getLogger("dev.ringnet.loop");
    /** Set to {@code false} to force the default scheduler. */
    public static final String PROPERTY = "ringnet.loopAffine";

    /** Whether loop-affine tasks are available, and why not if they are not. */
    public record Availability(boolean available, String reason) {
        @Override
        public String toString() {
            return available ? "available" : "unavailable (" + reason + ")";
        }
    }

    private static final MethodHandle NEW_BUILDER; // (Executor)Thread.Builder.OfVirtual, null if unavailable
    private static final Availability AVAILABILITY;

    /**
     * Runs continuations whose loop has closed, so that a parked task still ends (with the
     * context's cancellation) instead of hanging forever.
     */
    private static final class Orphans {
        static final ExecutorService POOL = Executors.newThreadPerTaskExecutor(
                Thread.ofPlatform().daemon().name("ringnet-orphan-carrier-", 1).factory());
    }

    static {
        MethodHandle handle = null;
        String reason;
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            reason = "disabled by -D" + PROPERTY + "=false";
        } else {
            try {
                Class<?> builder = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
                Constructor<?> ctor = builder.getDeclaredConstructor(Executor.class);
                ctor.setAccessible(true);
                handle = MethodHandles.lookup().unreflectConstructor(ctor)
                        .asType(MethodType.methodType(Thread.Builder.OfVirtual.class, Executor.class));
                // Capability check: a thread built this way must really run on the given executor.
                // (on a fresh platform thread: this initializer may itself run on a virtual thread)
                // (no lambda of this class may run there: it would wait for this initializer to end)
                Probe probe = new Probe();
                ((Thread.Builder.OfVirtual) handle.invokeExact((Executor) probe)).unstarted(probe).start();
                if (!Probe.CARRIER.equals(probe.carrier.get(5, java.util.concurrent.TimeUnit.SECONDS))) {
                    throw new IllegalStateException("a probe thread did not run on its executor");
                }
                reason = "";
            } catch (Throwable t) {
                handle = null;
                reason = t.getClass().getSimpleName() + ": " + t.getMessage()
                        + (t instanceof RuntimeException ? " (run java with --add-opens java.base/java.lang=ALL-UNNAMED)" : "");
            }
        }
        NEW_BUILDER = handle;
        AVAILABILITY = new Availability(handle != null, reason);
        if (handle == null) {
            Logs.log(LOG, System.Logger.Level.INFO,
                    "loop-affine tasks unavailable, tasks run on the default virtual-thread scheduler: " + reason,
                    (Throwable) null);
        }
    }

    /** The capability check's executor and body: records the carrier the probe thread ran on. */
    private static final class Probe implements Executor, Runnable {
        static final String CARRIER = "ringnet-scheduler-probe";
        final java.util.concurrent.CompletableFuture<String> carrier = new java.util.concurrent.CompletableFuture<>();

        @Override
        public void execute(Runnable continuation) {
            Thread.ofPlatform().daemon().name(CARRIER).start(continuation);
        }

        @Override
        public void run() {
            String self = Thread.currentThread().toString(); // VirtualThread[#n]/runnable@carrier
            carrier.complete(self.substring(self.lastIndexOf('@') + 1));
        }
    }

    private LoopScheduler() {}

    /** Whether {@link IoContext#spawn} makes loop-affine tasks here, and if not why. */
    public static Availability availability() {
        return AVAILABILITY;
    }

    /**
     * An unstarted virtual thread running {@code body}: loop-affine on {@code ctx} if available,
     * else on the default scheduler.
     */
    static Thread newThread(IoContext ctx, String name, Runnable body) {
        if (NEW_BUILDER == null) {
            return Thread.ofVirtual().name(name).unstarted(body);
        }
        Executor onLoop = continuation -> {
            try {
                ctx.post(continuation);
            } catch (RejectedExecutionException closed) {
                Orphans.POOL.execute(continuation);
            }
        };
        try {
            return ((Thread.Builder.OfVirtual) NEW_BUILDER.invokeExact(onLoop)).name(name).unstarted(body);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot create a loop-affine virtual thread", t);
        }
    }
}
