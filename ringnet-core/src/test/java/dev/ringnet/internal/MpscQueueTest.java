package dev.ringnet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class MpscQueueTest {

    /** A task that knows who posted it and in what order. */
    record Tagged(int producer, int seq) implements Runnable {
        @Override
        public void run() {}
    }

    @Test
    void oneProducerGetsItsTasksBackInOrderAcrossChunkBoundaries() {
        MpscQueue<Runnable> q = new MpscQueue<Runnable>();
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.poll()).isNull();
        int n = 3 * MpscQueue.CHUNK + 7;
        for (int round = 0; round < 2; round++) { // the second round starts mid-chunk, on reused indexes' chunks
            for (int i = 0; i < n; i++) {
                q.offer(new Tagged(0, i));
            }
            assertThat(q.size()).isEqualTo(n);
            assertThat(q.isEmpty()).isFalse();
            for (int i = 0; i < n; i++) {
                Runnable t = q.poll();
                assertThat(t).isEqualTo(new Tagged(0, i));
            }
            assertThat(q.poll()).isNull();
            assertThat(q.isEmpty()).isTrue();
            assertThat(q.size()).isZero();
        }
    }

    @Test
    void interleavedOffersAndPollsAtEveryOffsetOfAChunk() {
        MpscQueue<Runnable> q = new MpscQueue<Runnable>();
        int seq = 0;
        int expected = 0;
        for (int step = 0; step < 4 * MpscQueue.CHUNK; step++) {
            for (int k = 0; k < step % 5; k++) {
                q.offer(new Tagged(0, seq++));
            }
            for (int k = 0; k < step % 3; k++) {
                Runnable t = q.poll();
                if (t == null) {
                    assertThat(expected).isEqualTo(seq);
                    break;
                }
                assertThat(t).isEqualTo(new Tagged(0, expected++));
            }
        }
        for (Runnable t = q.poll(); t != null; t = q.poll()) {
            assertThat(t).isEqualTo(new Tagged(0, expected++));
        }
        assertThat(expected).isEqualTo(seq);
    }

    @Test
    @Timeout(60)
    void fourProducersAgainstOneConsumerLoseNothingAndKeepEachProducersOrder() throws Exception {
        MpscQueue<Runnable> q = new MpscQueue<Runnable>();
        int producers = 4;
        int perProducer = 300_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perProducer; i++) {
                    q.offer(new Tagged(producer, i));
                }
            }));
        }
        int[] next = new int[producers];
        int received = 0;
        int outOfOrder = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
        go.countDown();
        while (received < producers * perProducer && System.nanoTime() < deadline) {
            Runnable t = q.poll();
            if (t == null) {
                Thread.onSpinWait(); // empty, or a producer between its claim and its store
                continue;
            }
            Tagged tag = (Tagged) t;
            if (tag.seq() != next[tag.producer()]) {
                outOfOrder++;
            }
            next[tag.producer()] = tag.seq() + 1;
            received++;
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(received).as("tasks received before the deadline").isEqualTo(producers * perProducer);
        assertThat(outOfOrder).isZero();
        assertThat(next).containsOnly(perProducer);
        assertThat(q.poll()).isNull();
        assertThat(q.isEmpty()).isTrue();
    }
}
