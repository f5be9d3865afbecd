package dev.ringnet.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AsyncMutexTest {
    @Test
    void handsTheLockToWaitersInArrivalOrder() {
        AsyncMutex m = new AsyncMutex();
        assertThat(m.tryLock()).isTrue();
        List<Integer> order = new ArrayList<>();
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int id = i;
            CompletableFuture<Void> w = m.lockAsync().toCompletableFuture();
            w.thenRun(() -> order.add(id));
            waits.add(w);
        }
        assertThat(m.queueLength()).isEqualTo(10);
        assertThat(m.tryLock()).as("no barging while others wait").isFalse();
        for (int i = 0; i < 10; i++) {
            assertThat(waits.get(i)).isNotDone();
            m.unlock();
            assertThat(waits.get(i)).isDone();
            assertThat(m.isLocked()).isTrue();
        }
        m.unlock();
        assertThat(order).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(m.isLocked()).isFalse();
        assertThatThrownBy(m::unlock).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void excludesAcrossVirtualThreads() throws Exception {
        AsyncMutex m = new AsyncMutex();
        int[] counter = {0};
        int threads = 8;
        int rounds = 2000;
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            all.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < rounds; i++) {
                    try {
                        m.lock();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    try {
                        int c = counter[0];
                        Thread.yield();
                        counter[0] = c + 1;
                    } finally {
                        m.unlock();
                    }
                }
            }));
        }
        for (Thread t : all) {
            assertThat(t.join(java.time.Duration.ofSeconds(20))).isTrue();
        }
        assertThat(counter[0]).isEqualTo(threads * rounds);
        assertThat(m.isLocked()).isFalse();
    }

    @Test
    void cancellingAWaitingLockWithdrawsIt() {
        AsyncMutex m = new AsyncMutex();
        m.tryLock();
        CompletableFuture<Void> a = m.lockAsync().toCompletableFuture();
        CompletableFuture<Void> b = m.lockAsync().toCompletableFuture();
        assertThat(a.cancel(false)).isTrue();
        assertThat(m.queueLength()).isEqualTo(1);
        m.unlock();
        assertThat(b).isCompleted();
        assertThat(a.isCancelled()).isTrue();
        m.unlock();
        assertThat(m.isLocked()).isFalse();
        // A timeout on the stage is a withdrawal too.
        m.tryLock();
        CompletableFuture<Void> c = m.lockAsync().toCompletableFuture().orTimeout(1, TimeUnit.MILLISECONDS);
        assertThatThrownBy(c::join).hasCauseInstanceOf(java.util.concurrent.TimeoutException.class);
        assertThat(m.queueLength()).isZero();
        m.unlock();
        assertThat(m.isLocked()).isFalse();
    }

    @Test
    void interruptingABlockedLockLeavesNoWaiterAndNoLock() throws Exception {
        AsyncMutex m = new AsyncMutex();
        m.tryLock();
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                m.lock();
                outcome.set(new AssertionError("locked"));
            } catch (Throwable e) {
                outcome.set(e);
            }
            ended.countDown();
        });
        while (m.queueLength() == 0) {
            Thread.onSpinWait();
        }
        t.interrupt();
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat(m.queueLength()).isZero();
        m.unlock();
        assertThat(m.isLocked()).isFalse();
    }

    @Test
    void cancelRacingUnlockNeverLeaksTheLock() {
        AsyncMutex m = new AsyncMutex();
        for (int i = 0; i < 5000; i++) {
            m.tryLock();
            CompletableFuture<Void> w = m.lockAsync().toCompletableFuture();
            CountDownLatch go = new CountDownLatch(1);
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                m.unlock();
            });
            go.countDown();
            boolean cancelled = w.cancel(false);
            try {
                other.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            if (!cancelled) {
                assertThat(w).isCompleted(); // the waiter got it: it must unlock
                m.unlock();
            }
            assertThat(m.isLocked()).isFalse();
            assertThat(m.queueLength()).isZero();
        }
    }
}
