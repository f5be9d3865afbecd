package dev.ringnet.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class TimerQueueTest {

    /** The test thread plays the loop; nothing may be handed over to it. */
    private static TimerQueue loopQueue() {
        Consumer<Timeout> refuse = t -> fail("nothing should be handed over to the loop");
        return new TimerQueue(refuse, () -> true);
    }

    /** Schedules a timer whose task appends {@code label} to {@code log}. */
    private static Timeout schedule(TimerQueue q, long deadline, List<Object> log, Object label) {
        return q.schedule(deadline, () -> log.add(label));
    }

    @Test
    void firesInDeadlineOrder() {
        TimerQueue q = loopQueue();
        List<Object> fired = new ArrayList<>();
        for (long d : new long[] {50, 10, 40, 20, 30, -5, 45}) {
            schedule(q, d, fired, d);
        }
        assertThat(q.size()).isEqualTo(7);
        assertThat(q.nextDeadline()).isEqualTo(-5);

        assertThat(q.expire(100, Integer.MAX_VALUE)).isEqualTo(7);

        assertThat(fired).containsExactly(-5L, 10L, 20L, 30L, 40L, 45L, 50L);
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void expireRunsOnlyTimersDueAtOrBeforeNow() {
        TimerQueue q = loopQueue();
        List<Object> fired = new ArrayList<>();
        Timeout a = schedule(q, 10, fired, "a");
        Timeout b = schedule(q, 20, fired, "b");
        Timeout c = schedule(q, 30, fired, "c");

        assertThat(q.expire(9, Integer.MAX_VALUE)).isZero();
        assertThat(q.expire(20, Integer.MAX_VALUE)).isEqualTo(2);

        assertThat(fired).containsExactly("a", "b");
        assertThat(a.isExpired()).isTrue();
        assertThat(b.isExpired()).isTrue();
        assertThat(c.isPending()).isTrue();
        assertThat(c.deadlineNanos()).isEqualTo(30);
        assertThat(q.nextDeadline()).isEqualTo(30);
    }

    @Test
    void equalDeadlinesFireInSchedulingOrder() {
        TimerQueue q = loopQueue();
        List<Object> fired = new ArrayList<>();
        List<Object> expected = new ArrayList<>();
        // Interleave two deadlines so ties are spread over many heap positions.
        for (int i = 0; i < 200; i++) {
            schedule(q, i % 2 == 0 ? 7 : 3, fired, i);
        }
        for (int i = 1; i < 200; i += 2) {
            expected.add(i);
        }
        for (int i = 0; i < 200; i += 2) {
            expected.add(i);
        }

        q.expire(7, Integer.MAX_VALUE);

        assertThat(fired).isEqualTo(expected);
    }

    @Test
    void cancelOfHeadMiddleOrLastKeepsHeapOrder() {
        // Distinct deadlines in a scrambled but fixed order.
        long[] deadlines = new long[61];
        for (int i = 0; i < deadlines.length; i++) {
            deadlines[i] = (i * 37L) % deadlines.length;
        }
        // Victims: the head (0), the largest (60), a middle value, and the last-inserted node.
        long lastInserted = deadlines[deadlines.length - 1];
        for (long victim : new long[] {0, 60, 30, lastInserted}) {
            TimerQueue q = loopQueue();
            List<Object> fired = new ArrayList<>();
            Timeout[] byDeadline = new Timeout[deadlines.length];
            for (long d : deadlines) {
                byDeadline[(int) d] = schedule(q, d, fired, d);
            }

            assertThat(byDeadline[(int) victim].cancel()).isTrue();

            assertThat(q.size()).as("removed at once on the loop").isEqualTo(deadlines.length - 1);
            q.expire(Long.MAX_VALUE, Integer.MAX_VALUE);
            List<Object> expected = new ArrayList<>();
            for (long d = 0; d < deadlines.length; d++) {
                if (d != victim) {
                    expected.add(d);
                }
            }
            assertThat(fired).as("victim %d", victim).isEqualTo(expected);
        }
    }

    @Test
    void cancelSucceedsOnceAndTheTaskNeverRuns() {
        TimerQueue q = loopQueue();
        List<Object> fired = new ArrayList<>();
        Timeout t = schedule(q, 5, fired, "t");
        assertThat(t.isPending()).isTrue();

        assertThat(t.cancel()).isTrue();
        assertThat(t.cancel()).isFalse();

        assertThat(t.isCancelled()).isTrue();
        assertThat(t.isPending()).isFalse();
        assertThat(t.isExpired()).isFalse();
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.expire(Long.MAX_VALUE, Integer.MAX_VALUE)).isZero();
        assertThat(fired).isEmpty();
    }

    @Test
    void cancelAfterExpiryFails() {
        TimerQueue q = loopQueue();
        Timeout[] self = new Timeout[1];
        boolean[] cancelFromInside = new boolean[1];
        self[0] = q.schedule(1, () -> cancelFromInside[0] = self[0].cancel());

        q.expire(1, 1);

        assertThat(cancelFromInside[0]).as("a running task is already expired").isFalse();
        assertThat(self[0].cancel()).isFalse();
        assertThat(self[0].isExpired()).isTrue();
        assertThat(self[0].isCancelled()).isFalse();
    }

    @Test
    void throwingTaskDoesNotStopTheOthers() {
        // The failure is logged at WARNING on "dev.ringnet.time"; the test module cannot read
        // java.logging to capture it, so that stack trace in the test output is expected.
        TimerQueue q = loopQueue();
        List<Object> fired = new ArrayList<>();
        schedule(q, 1, fired, "a");
        Timeout thrower = q.schedule(2, () -> {
            throw new IllegalStateException("expected by TimerQueueTest: a failing timer task");
        });
        schedule(q, 3, fired, "c");

        assertThat(q.expire(3, Integer.MAX_VALUE)).isEqualTo(3);

        assertThat(fired).containsExactly("a", "c");
        assertThat(thrower.isExpired()).isTrue();
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void taskMaySchedulePastDueTimer() {
        TimerQueue q = loopQueue();
        List<Object> fired = new ArrayList<>();
        q.schedule(10, () -> {
            fired.add("outer");
            schedule(q, 5, fired, "inner");
        });
        schedule(q, 10, fired, "sibling");

        int ran = q.expire(10, Integer.MAX_VALUE);
        ran += q.expire(10, Integer.MAX_VALUE);

        assertThat(ran).isEqualTo(3);
        assertThat(fired).containsExactlyInAnyOrder("outer", "inner", "sibling");
        assertThat(fired.getFirst()).isEqualTo("outer");
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void selfReschedulingTaskIsBoundedByMax() {
        TimerQueue q = loopQueue();
        int[] runs = new int[1];
        Runnable again = new Runnable() {
            @Override
            public void run() {
                runs[0]++;
                q.schedule(0, this);
            }
        };
        q.schedule(0, again);

        assertThat(q.expire(0, 10)).isEqualTo(10);

        assertThat(runs[0]).isEqualTo(10);
        assertThat(q.size()).isEqualTo(1);
    }

    @Test
    void taskMayCancelAnotherDueTimer() {
        TimerQueue q = loopQueue();
        List<Object> fired = new ArrayList<>();
        Timeout[] victim = new Timeout[1];
        boolean[] cancelled = new boolean[1];
        q.schedule(10, () -> cancelled[0] = victim[0].cancel());
        victim[0] = schedule(q, 10, fired, "victim");
        schedule(q, 11, fired, "after");

        assertThat(q.expire(20, Integer.MAX_VALUE)).isEqualTo(2);

        assertThat(cancelled[0]).isTrue();
        assertThat(fired).containsExactly("after");
    }

    @Test
    void expireRespectsMax() {
        TimerQueue q = loopQueue();
        List<Object> fired = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            schedule(q, i, fired, i);
        }

        assertThat(q.expire(100, 3)).isEqualTo(3);
        assertThat(fired).containsExactly(0, 1, 2);
        assertThat(q.expire(100, 0)).isZero();
        assertThat(q.expire(100, 3)).isEqualTo(3);
        assertThat(q.expire(100, 3)).isEqualTo(3);
        assertThat(q.expire(100, 3)).isEqualTo(1);
        assertThat(q.expire(100, 3)).isZero();
        assertThat(fired).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void twoStepScheduling() {
        TimerQueue q = loopQueue();
        List<Object> fired = new ArrayList<>();
        Timeout early = q.newTimeout(5, () -> fired.add("early"));
        Timeout late = q.newTimeout(5, () -> fired.add("late"));
        assertThat(q.isEmpty()).isTrue();
        assertThat(early.isPending()).isTrue();

        // Ties go by insertion, not creation.
        q.add(late);
        q.add(early);
        assertThatThrownBy(() -> q.add(early)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> loopQueue().add(early))
                .isInstanceOf(IllegalArgumentException.class);

        Timeout dropped = q.newTimeout(1, () -> fired.add("dropped"));
        assertThat(dropped.cancel()).isTrue();
        q.add(dropped);

        assertThat(q.size()).isEqualTo(2);
        q.expire(10, Integer.MAX_VALUE);
        assertThat(fired).containsExactly("late", "early");
    }

    @Test
    void reconcileInsertsHandedOverTimersOnceAndDropsCancelledOnes() {
        List<Timeout> handedOver = new ArrayList<>();
        boolean[] onLoop = {true};
        TimerQueue q = new TimerQueue(handedOver::add, () -> onLoop[0]);
        List<Object> fired = new ArrayList<>();
        Timeout kept = q.newTimeout(2, () -> fired.add("kept"));
        Timeout dropped = q.newTimeout(1, () -> fired.add("dropped"));
        Timeout removed = q.newTimeout(3, () -> fired.add("removed"));
        q.reconcile(kept);
        q.reconcile(kept); // handed over twice: still one node
        q.reconcile(removed);
        onLoop[0] = false;
        assertThat(dropped.cancel()).isTrue(); // before the loop saw it: handed over again, never inserted
        assertThat(removed.cancel()).isTrue(); // in the heap: taken out when reconciled
        onLoop[0] = true;
        assertThat(handedOver).containsExactly(dropped, removed);
        q.reconcile(dropped);
        assertThat(q.size()).isEqualTo(2);
        handedOver.forEach(q::reconcile);
        assertThat(q.size()).isEqualTo(1);
        assertThat(q.expire(10, Integer.MAX_VALUE)).isEqualTo(1);
        assertThat(fired).containsExactly("kept");
        assertThatThrownBy(() -> loopQueue().reconcile(kept)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cancelAllCancelsEveryPendingTimer() {
        List<Timeout> handedOver = new ArrayList<>();
        boolean[] onLoop = {true};
        TimerQueue q = new TimerQueue(handedOver::add, () -> onLoop[0]);
        List<Object> fired = new ArrayList<>();
        List<Timeout> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            all.add(schedule(q, i, fired, i));
        }
        onLoop[0] = false;
        assertThat(all.get(50).cancel()).isTrue(); // cancelled elsewhere, still in the heap
        onLoop[0] = true;

        assertThat(q.cancelAll()).isEqualTo(99);

        assertThat(q.isEmpty()).isTrue();
        assertThat(all).allMatch(Timeout::isCancelled);
        assertThat(all).noneMatch(Timeout::cancel);
        handedOver.forEach(q::reconcile); // the late removal finds nothing
        assertThat(q.expire(Long.MAX_VALUE, Integer.MAX_VALUE)).isZero();
        assertThat(fired).isEmpty();

        schedule(q, 1, fired, "reuse");
        assertThat(q.expire(1, 1)).isEqualTo(1);
        assertThat(fired).containsExactly("reuse");
    }

    @Test
    void cancelFromAnotherThreadRemovesOnTheLoop() throws InterruptedException {
        Thread loop = Thread.currentThread();
        ConcurrentLinkedQueue<Timeout> handedOver = new ConcurrentLinkedQueue<>();
        TimerQueue q = new TimerQueue(handedOver::add, () -> Thread.currentThread() == loop);
        List<Object> fired = new ArrayList<>();
        Timeout head = schedule(q, 1, fired, "head");
        Timeout middle = schedule(q, 2, fired, "middle");
        schedule(q, 3, fired, "tail");
        boolean[] results = new boolean[3];

        Thread other = Thread.ofPlatform().start(() -> {
            results[0] = middle.cancel();
            results[1] = middle.cancel();
            results[2] = head.cancel();
        });
        other.join();

        assertThat(results).containsExactly(true, false, true);
        assertThat(handedOver).hasSize(2);
        assertThat(middle.isCancelled()).isTrue();
        // Nothing removed yet, but the cancelled head no longer counts as the next deadline.
        assertThat(q.size()).isEqualTo(3);
        assertThat(q.nextDeadline()).isEqualTo(3);

        handedOver.forEach(q::reconcile);

        assertThat(q.size()).isEqualTo(1);
        q.expire(Long.MAX_VALUE, Integer.MAX_VALUE);
        assertThat(fired).containsExactly("tail");
    }

    @Test
    void cancelledElsewhereButNotYetRemovedIsSkippedByExpire() throws InterruptedException {
        Thread loop = Thread.currentThread();
        List<Timeout> handedOver = new ArrayList<>();
        TimerQueue q = new TimerQueue(t -> {
            synchronized (handedOver) {
                handedOver.add(t);
            }
        }, () -> Thread.currentThread() == loop);
        List<Object> fired = new ArrayList<>();
        Timeout a = schedule(q, 1, fired, "a");
        schedule(q, 1, fired, "b");

        Thread other = Thread.ofPlatform().start(a::cancel);
        other.join();

        assertThat(q.expire(1, Integer.MAX_VALUE)).isEqualTo(1);
        assertThat(fired).containsExactly("b");
        synchronized (handedOver) {
            handedOver.forEach(q::reconcile);
        }
        assertThat(q.isEmpty()).isTrue();
    }

    private record Key(long deadline, long seq) {
        static final Comparator<Key> ORDER =
                Comparator.comparingLong(Key::deadline).thenComparingLong(Key::seq);
    }

    /** Live timers with O(1) random pick and removal. */
    private static final class Live {
        final List<Timeout> list = new ArrayList<>();
        final Map<Timeout, Integer> pos = new IdentityHashMap<>();

        void add(Timeout t) {
            pos.put(t, list.size());
            list.add(t);
        }

        void remove(Timeout t) {
            int i = pos.remove(t);
            Timeout last = list.removeLast();
            if (last != t) {
                list.set(i, last);
                pos.put(last, i);
            }
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void randomOperationsMatchAnOrderedModel() {
        SplittableRandom rnd = new SplittableRandom(20240917L);
        List<Timeout> handedOver = new ArrayList<>();
        boolean[] onLoop = {true};
        TimerQueue q = new TimerQueue(handedOver::add, () -> onLoop[0]);

        TreeMap<Key, Timeout> model = new TreeMap<>(Key.ORDER);
        Map<Timeout, Key> keyOf = new IdentityHashMap<>();
        Live live = new Live();
        List<Timeout> done = new ArrayList<>();
        List<Timeout> fired = new ArrayList<>();
        List<Timeout> expected = new ArrayList<>();
        long now = 0;
        long seq = 0;

        for (int op = 0; op < 100_000; op++) {
            int r = rnd.nextInt(100);
            if (r < 50) {
                // Small deadline range: plenty of ties, some already due.
                long deadline = now - 20 + rnd.nextInt(400);
                Timeout[] self = new Timeout[1];
                self[0] = q.schedule(deadline, () -> fired.add(self[0]));
                Key k = new Key(deadline, seq++);
                model.put(k, self[0]);
                keyOf.put(self[0], k);
                live.add(self[0]);
            } else if (r < 80 && !live.list.isEmpty()) {
                Timeout t = live.list.get(rnd.nextInt(live.list.size()));
                boolean remote = rnd.nextInt(4) == 0;
                onLoop[0] = !remote;
                assertThat(t.cancel()).isTrue();
                assertThat(t.cancel()).isFalse();
                onLoop[0] = true;
                live.remove(t);
                model.remove(keyOf.remove(t));
                done.add(t);
            } else if (r < 83 && !done.isEmpty()) {
                Timeout t = done.get(rnd.nextInt(done.size()));
                assertThat(t.cancel()).isFalse();
            } else if (r < 88) {
                handedOver.forEach(q::reconcile);
                handedOver.clear();
                assertThat(q.size()).isEqualTo(model.size());
            } else {
                now += rnd.nextInt(60);
                int max = 1 + rnd.nextInt(40);
                expected.clear();
                for (Timeout t : model.headMap(new Key(now, Long.MAX_VALUE), true).values()) {
                    if (expected.size() == max) {
                        break;
                    }
                    expected.add(t);
                }
                fired.clear();
                int ran = q.expire(now, max);
                if (!fired.equals(expected) || ran != expected.size()) {
                    fail("op " + op + ": expected " + expected + " but fired " + fired);
                }
                for (Timeout t : fired) {
                    assertThat(t.isExpired()).isTrue();
                    model.remove(keyOf.remove(t));
                    live.remove(t);
                    done.add(t);
                }
            }
            long want = model.isEmpty() ? Long.MAX_VALUE : model.firstKey().deadline();
            if (q.nextDeadline() != want) {
                fail("op " + op + ": nextDeadline " + q.nextDeadline() + " != " + want);
            }
            if (q.size() < model.size()) {
                fail("op " + op + ": size " + q.size() + " < " + model.size());
            }
        }

        handedOver.forEach(q::reconcile);
        assertThat(q.size()).isEqualTo(model.size());
        fired.clear();
        q.expire(Long.MAX_VALUE, Integer.MAX_VALUE);
        assertThat(fired).containsExactlyElementsOf(model.values());
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void millionTimersDrainInOrder() {
        int n = 1_000_000;
        TimerQueue q = loopQueue();
        SplittableRandom rnd = new SplittableRandom(7);
        long[] last = {Long.MIN_VALUE, -1}; // deadline, scheduling index of the previous run
        long[] violations = {0};
        for (int i = 0; i < n; i++) {
            long deadline = rnd.nextLong(200_000); // ~5 timers per deadline
            int index = i;
            q.schedule(deadline, () -> {
                if (deadline < last[0] || (deadline == last[0] && index < last[1])) {
                    violations[0]++;
                }
                last[0] = deadline;
                last[1] = index;
            });
        }
        assertThat(q.size()).isEqualTo(n);

        assertThat(q.expire(Long.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(n);

        assertThat(violations[0]).isZero();
        assertThat(q.isEmpty()).isTrue();
    }
}
