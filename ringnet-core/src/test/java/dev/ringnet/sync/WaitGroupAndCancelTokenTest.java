package dev.ringnet.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class WaitGroupAndCancelTokenTest {
    @Test
    void waitGroupReleasesWaitersAtZero() {
        WaitGroup wg = new WaitGroup();
        assertThat(wg.awaitAsync().toCompletableFuture()).isCompleted();
        wg.add(2);
        CompletableFuture<Void> a = wg.awaitAsync().toCompletableFuture();
        CompletableFuture<Void> b = wg.awaitAsync().toCompletableFuture();
        wg.done();
        assertThat(a).isNotDone();
        assertThat(b.cancel(false)).isTrue();
        assertThat(wg.waiters()).isEqualTo(1);
        wg.done();
        assertThat(a).isCompleted();
        assertThat(wg.waiters()).isZero();
        assertThatThrownBy(wg::done).isInstanceOf(IllegalStateException.class);
        assertThat(wg.count()).isZero();
    }

    @Test
    void interruptedAwaitLeavesNoWaiter() throws Exception {
        WaitGroup wg = new WaitGroup();
        wg.add(1);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                wg.await();
            } catch (Throwable e) {
                outcome.set(e);
            }
            ended.countDown();
        });
        while (wg.waiters() == 0) {
            Thread.onSpinWait();
        }
        t.interrupt();
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat(wg.waiters()).isZero();
    }

    @Test
    void cancelTokenRunsListenersOnceWithTheReason() {
        CancelToken token = new CancelToken();
        List<String> heard = new ArrayList<>();
        token.onCancel(r -> heard.add("a:" + r));
        CancelToken.Registration removed = token.onCancel(r -> heard.add("b:" + r));
        removed.close();
        token.throwIfCancelled();
        assertThat(token.listenerCount()).isEqualTo(1);
        assertThat(token.cancel("enough")).isTrue();
        assertThat(token.cancel("again")).isFalse();
        assertThat(heard).containsExactly("a:enough");
        assertThat(token.reason()).isEqualTo("enough");
        assertThatThrownBy(token::throwIfCancelled).isInstanceOf(CancellationException.class).hasMessage("enough");
        token.onCancel(r -> heard.add("late:" + r)); // runs at once
        assertThat(heard).containsExactly("a:enough", "late:enough");
    }

    @Test
    void aThrowingListenerDoesNotStopTheOthers() {
        CancelToken token = new CancelToken();
        List<String> heard = new ArrayList<>();
        token.onCancel(r -> {
            throw new IllegalStateException("boom");
        });
        token.onCancel(heard::add);
        assertThatThrownBy(() -> token.cancel("x")).hasMessage("boom");
        assertThat(heard).containsExactly("x");
        assertThat(token.isCancelled()).isTrue();
    }
}
