package dev.ringnet.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.IoContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class AsyncSemaphoreTest {
    @Test
    void isFairEvenForLargeRequests() {
        AsyncSemaphore s = new AsyncSemaphore(0);
        CompletableFuture<Void> big = s.acquireAsync(3).toCompletableFuture();
        CompletableFuture<Void> small = s.acquireAsync(1).toCompletableFuture();
        s.release(2);
        assertThat(big).isNotDone();
        assertThat(small).as("may not overtake the head").isNotDone();
        assertThat(s.tryAcquire()).as("a newcomer may not barge").isFalse();
        s.release(1);
        assertThat(big).isCompleted();
        assertThat(small).isNotDone();
        s.release(2);
        assertThat(small).isCompleted();
        assertThat(s.availablePermits()).isEqualTo(1);
        assertThat(s.queueLength()).isZero();
    }

    @Test
    void grantsInArrivalOrder() {
        AsyncSemaphore s = new AsyncSemaphore(1);
        s.tryAcquire();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int id = i;
            s.acquireAsync().thenRun(() -> order.add(id));
        }
        for (int i = 0; i < 20; i++) {
            s.release();
        }
        assertThat(order).hasSize(20).isSorted();
    }

    @Test
    void callbackFormRunsOnTheLoop() throws Exception {
        try (IoContext ctx = IoContext.create()) {
            ctx.start();
            AsyncSemaphore s = new AsyncSemaphore(0);
            CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
            s.acquire(1, ctx, err -> onLoop.complete(err == null && ctx.inEventLoop()));
            s.release();
            assertThat(onLoop.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(s.availablePermits()).isZero();
        }
    }

    @Test
    void interruptingABlockedAcquireLeaksNoPermit() throws Exception {
        AsyncSemaphore s = new AsyncSemaphore(2);
        s.acquire(2);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                s.acquire(1);
            } catch (Throwable e) {
                outcome.set(e);
            }
            ended.countDown();
        });
        while (s.queueLength() == 0) {
            Thread.onSpinWait();
        }
        t.interrupt();
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat(s.queueLength()).isZero();
        s.release(2);
        assertThat(s.availablePermits()).isEqualTo(2);
    }

    /** Threads acquire, cancel and release at random: in the end every permit is back. */
    @Test
    void randomCancellationNeverLeaksAPermit() throws Exception {
        int permits = 3;
        AsyncSemaphore s = new AsyncSemaphore(permits);
        int threads = 8;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = t;
            all.add(Thread.ofPlatform().start(() -> {
                Random r = new Random(seed);
                for (int i = 0; i < 3000; i++) {
                    CompletableFuture<Void> f = s.acquireAsync().toCompletableFuture();
                    boolean cancel = r.nextInt(3) == 0;
                    if (cancel && f.cancel(false)) {
                        continue; // withdrawn: no permit
                    }
                    f.join();
                    int now = inside.incrementAndGet();
                    maxInside.accumulateAndGet(now, Math::max);
                    inside.decrementAndGet();
                    s.release();
                }
            }));
        }
        for (Thread t : all) {
            t.join(TimeUnit.SECONDS.toMillis(40));
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(s.availablePermits()).isEqualTo(permits);
        assertThat(s.queueLength()).isZero();
        assertThat(maxInside.get()).isLessThanOrEqualTo(permits);
    }
}
