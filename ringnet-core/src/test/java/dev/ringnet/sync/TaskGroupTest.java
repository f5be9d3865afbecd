package dev.ringnet.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringnet.loop.IoContext;
import dev.ringnet.loop.Task;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TaskGroupTest {
    private IoContext ctx;

    @BeforeEach
    void start() throws Exception {
        ctx = IoContext.create();
        ctx.start();
    }

    @AfterEach
    void close() {
        ctx.close();
    }

    @Test
    void aFailingChildCancelsItsSiblingsAndJoinRethrows() throws Exception {
        Channel<String> never = Channel.unbounded();
        AsyncSemaphore none = new AsyncSemaphore(0);
        CountDownLatch parked = new CountDownLatch(3);
        try (TaskGroup group = new TaskGroup(ctx)) {
            Task<Optional<String>> receiver = group.spawn(() -> {
                parked.countDown();
                return never.receive();
            });
            Task<Void> sleeper = group.spawn(() -> {
                parked.countDown();
                ctx.sleep(Duration.ofMinutes(5));
                return null;
            });
            Task<Void> acquirer = group.spawn(() -> {
                parked.countDown();
                none.acquire();
                return null;
            });
            assertThat(parked.await(10, TimeUnit.SECONDS)).isTrue();
            group.spawn(() -> {
                throw new java.io.IOException("child failed");
            });
            assertThatThrownBy(group::join).isInstanceOf(java.io.IOException.class).hasMessage("child failed");
            assertThat(receiver.isCancelled()).isTrue();
            assertThat(sleeper.isCancelled()).isTrue();
            assertThat(acquirer.isCancelled()).isTrue();
            assertThat(group.activeCount()).isZero();
        }
        // Cancelled waits were withdrawn: nothing left queued, no permit taken.
        assertThat(never.waiters()).isZero();
        assertThat(none.queueLength()).isZero();
        assertThat(none.availablePermits()).isZero();
    }

    @Test
    void joinReturnsWhenAllSucceedAndChildrenMaySpawnMore() throws Exception {
        try (TaskGroup group = new TaskGroup(ctx)) {
            Task<Integer> a = group.spawn(() -> 1);
            Task<Integer> b = group.spawn(() -> group.spawn(() -> 2).join() + 1);
            group.join();
            assertThat(a.join() + b.join()).isEqualTo(4);
            assertThat(group.failure()).isNull();
        }
    }

    @Test
    void cancellingTheGroupCancelsChildrenAndLaterSpawns() throws Exception {
        TaskGroup group = new TaskGroup(ctx);
        CountDownLatch parked = new CountDownLatch(1);
        Task<Void> child = group.spawn(() -> {
            parked.countDown();
            ctx.sleep(Duration.ofMinutes(5));
            return null;
        });
        assertThat(parked.await(10, TimeUnit.SECONDS)).isTrue();
        group.cancel("shutting down");
        assertThatThrownBy(group::join).isInstanceOf(CancellationException.class);
        assertThat(child.isCancelled()).isTrue();
        Task<Void> late = group.spawn(() -> {
            ctx.sleep(Duration.ofMinutes(5));
            return null;
        });
        assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
        assertThatThrownBy(() -> group.joinAsync().toCompletableFuture().get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(CancellationException.class);
    }

    @Test
    void interruptingJoinCancelsTheChildrenAndWaitsForThem() throws Exception {
        TaskGroup group = new TaskGroup(ctx);
        CountDownLatch parked = new CountDownLatch(1);
        Task<Void> child = group.spawn(() -> {
            parked.countDown();
            ctx.sleep(Duration.ofMinutes(5));
            return null;
        });
        assertThat(parked.await(10, TimeUnit.SECONDS)).isTrue();
        java.util.concurrent.CompletableFuture<Throwable> joined = new java.util.concurrent.CompletableFuture<>();
        Thread joiner = Thread.ofVirtual().start(() -> {
            try {
                group.join();
                joined.complete(null);
            } catch (Throwable t) {
                joined.complete(t);
            }
        });
        while (joiner.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        joiner.interrupt();
        assertThat(joined.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        assertThat(child.isDone()).as("join waits for the cancelled children").isTrue();
        assertThat(child.isCancelled()).isTrue();
        assertThat(group.activeCount()).isZero();
    }
}
