package dev.ringnet.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringnet.loop.IoContext;
import dev.ringnet.loop.Task;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ChannelTest {
    private final List<IoContext> loops = new ArrayList<>();

    private IoContext loop() throws Exception {
        IoContext ctx = IoContext.create();
        ctx.start();
        loops.add(ctx);
        return ctx;
    }

    private final List<java.util.concurrent.ExecutorService> executors = new ArrayList<>();

    @AfterEach
    void closeLoops() {
        executors.forEach(java.util.concurrent.ExecutorService::shutdownNow);
        loops.forEach(IoContext::close);
    }

    @Test
    void boundedChannelIsFifoAndSuspendsSendersWhenFull() {
        Channel<Integer> ch = Channel.bounded(2);
        assertThat(ch.trySend(1)).isTrue();
        assertThat(ch.sendAsync(2).toCompletableFuture()).isCompleted();
        CompletableFuture<Void> third = ch.sendAsync(3).toCompletableFuture();
        assertThat(third).isNotDone();
        assertThat(ch.trySend(4)).isFalse();
        assertThat(ch.receiveAsync().toCompletableFuture().join()).contains(1);
        assertThat(third).isCompleted(); // its element moved into the freed slot
        assertThat(ch.tryReceive()).contains(2);
        assertThat(ch.tryReceive()).contains(3);
        assertThat(ch.tryReceive()).isEmpty();
        CompletableFuture<Optional<Integer>> waiting = ch.receiveAsync().toCompletableFuture();
        assertThat(waiting).isNotDone();
        ch.trySend(5);
        assertThat(waiting.join()).contains(5);
        assertThat(ch.size()).isZero();
    }

    @Test
    void closeFailsSendsAndEndsReceiversAfterTheDrain() {
        Channel<String> ch = Channel.bounded(1);
        ch.trySend("a");
        CompletableFuture<Void> blockedSend = ch.sendAsync("b").toCompletableFuture();
        assertThat(ch.close()).isTrue();
        assertThat(ch.close()).isFalse();
        assertThatThrownBy(blockedSend::join).hasCauseInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(() -> ch.sendAsync("c").toCompletableFuture().join()).hasCauseInstanceOf(ClosedChannelException.class);
        assertThat(ch.receiveAsync().toCompletableFuture().join()).contains("a");
        assertThat(ch.receiveAsync().toCompletableFuture().join()).isEmpty();
        assertThat(ch.receiveAsync().toCompletableFuture().join()).isEmpty();

        Channel<String> empty = Channel.unbounded();
        CompletableFuture<Optional<String>> r = empty.receiveAsync().toCompletableFuture();
        empty.close();
        assertThat(r.join()).isEmpty();
        assertThat(empty.waiters()).isZero();
    }

    @Test
    void cancelledReceiveTakesNoElementAndCancelledSendDeliversNone() {
        Channel<Integer> ch = Channel.bounded(1);
        CompletableFuture<Optional<Integer>> r1 = ch.receiveAsync().toCompletableFuture();
        CompletableFuture<Optional<Integer>> r2 = ch.receiveAsync().toCompletableFuture();
        assertThat(r1.cancel(false)).isTrue();
        assertThat(ch.waiters()).isEqualTo(1);
        ch.trySend(7);
        assertThat(r2.join()).contains(7);

        ch.trySend(8);
        CompletableFuture<Void> s = ch.sendAsync(9).toCompletableFuture();
        assertThat(s.cancel(false)).isTrue();
        assertThat(ch.waiters()).isZero();
        assertThat(ch.tryReceive()).contains(8);
        assertThat(ch.tryReceive()).isEmpty(); // 9 was withdrawn
    }

    @Test
    void interruptedBlockingReceiveLeavesNoWaiterAndLosesNothing() throws Exception {
        Channel<Integer> ch = Channel.unbounded();
        AtomicReference<Object> outcome = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                outcome.set(ch.receive());
            } catch (Throwable e) {
                outcome.set(e);
            }
            ended.countDown();
        });
        while (ch.waiters() == 0) {
            Thread.onSpinWait();
        }
        t.interrupt();
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat(ch.waiters()).isZero();
        ch.trySend(1);
        assertThat(ch.tryReceive()).contains(1);
    }

    @Test
    void interruptedBlockingSendWithdrawsItsElement() throws Exception {
        Channel<Integer> ch = Channel.bounded(1);
        ch.trySend(1);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                ch.send(2);
            } catch (Throwable e) {
                outcome.set(e);
            }
            ended.countDown();
        });
        while (ch.waiters() == 0) {
            Thread.onSpinWait();
        }
        t.interrupt();
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat(ch.tryReceive()).contains(1);
        assertThat(ch.tryReceive()).isEmpty();
    }

    @Test
    void cancelRacingSendNeverLosesOrDuplicates() throws Exception {
        Channel<Integer> ch = Channel.unbounded();
        int delivered = 0;
        for (int i = 0; i < 5000; i++) {
            CompletableFuture<Optional<Integer>> r = ch.receiveAsync().toCompletableFuture();
            int value = i;
            Thread sender = Thread.ofPlatform().start(() -> ch.trySend(value));
            boolean cancelled = r.cancel(false);
            sender.join();
            if (cancelled) {
                assertThat(ch.tryReceive()).contains(value); // still in the channel
            } else {
                assertThat(r.join()).contains(value);
                assertThat(ch.tryReceive()).isEmpty();
                delivered++;
            }
            assertThat(ch.waiters()).isZero();
        }
        assertThat(delivered).isBetween(0, 5000);
    }

    /** 4 producers x 4 consumers on 4 loops, every form of receive, no loss, no duplicate. */
    @Test
    void manyProducersAndConsumersAcrossLoops() throws Exception {
        int producers = 4;
        int perProducer = 20_000;
        Channel<Integer> ch = Channel.bounded(16);
        List<IoContext> ctxs = List.of(loop(), loop(), loop(), loop());
        WaitGroup producing = new WaitGroup();
        List<Task<Void>> tasks = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int base = p * perProducer;
            producing.add(1);
            tasks.add(ctxs.get(p).spawn(() -> {
                try {
                    for (int i = 0; i < perProducer; i++) {
                        ch.send(base + i);
                    }
                } finally {
                    producing.done();
                }
                return null;
            }));
        }
        producing.awaitAsync().thenRun(ch::close);

        ConcurrentLinkedQueue<Integer> received = new ConcurrentLinkedQueue<>();
        CountDownLatch consumersDone = new CountDownLatch(4);
        // two tasks with the blocking form
        for (int c = 0; c < 2; c++) {
            ctxs.get(c).spawn(() -> {
                for (Optional<Integer> m; (m = ch.receive()).isPresent(); ) {
                    received.add(m.get());
                }
                consumersDone.countDown();
                return null;
            });
        }
        // one callback-form consumer on loop 2
        IoContext cbLoop = ctxs.get(2);
        BiConsumer<Optional<Integer>, Throwable>[] next = new BiConsumer[1];
        next[0] = (m, err) -> {
            assertThat(cbLoop.inEventLoop()).isTrue();
            if (err != null || m.isEmpty()) {
                consumersDone.countDown();
                return;
            }
            received.add(m.get());
            ch.receive(cbLoop, next[0]);
        };
        cbLoop.post(() -> ch.receive(cbLoop, next[0]));
        // one stage-form consumer, continuing on a plain thread (thenAcceptAsync: no recursion)
        java.util.concurrent.ExecutorService plain = java.util.concurrent.Executors.newSingleThreadExecutor();
        executors.add(plain);
        Runnable[] stageLoop = new Runnable[1];
        stageLoop[0] = () -> ch.receiveAsync().thenAcceptAsync(m -> {
            if (m.isEmpty()) {
                consumersDone.countDown();
            } else {
                received.add(m.get());
                stageLoop[0].run();
            }
        }, plain);
        plain.execute(stageLoop[0]);

        assertThat(consumersDone.await(40, TimeUnit.SECONDS)).isTrue();
        for (Task<Void> t : tasks) {
            t.get(10, TimeUnit.SECONDS);
        }
        BitSet seen = new BitSet();
        for (int v : received) {
            assertThat(seen.get(v)).as("duplicate %d", v).isFalse();
            seen.set(v);
        }
        assertThat(received).hasSize(producers * perProducer);
        assertThat(seen.cardinality()).isEqualTo(producers * perProducer);
        assertThat(ch.waiters()).isZero();
    }
}
