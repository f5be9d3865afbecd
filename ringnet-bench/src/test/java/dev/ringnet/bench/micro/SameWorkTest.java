package dev.ringnet.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each benchmark does the same work on every implementation it compares: one invocation of each
 * benchmark method, called directly (no JMH), with the counts checked. A loop that dropped posted
 * tasks, timers that did not fire, or a parser that missed a request would make its side of a
 * comparison look cheap.
 */
class SameWorkTest {
    static final java.util.List<String> LOOPS = Loops.NAMES;
    static final java.util.List<String> TIMERS = Timers.NAMES;
    static final java.util.List<String> PARSERS = Requests.NAMES;

    @ParameterizedTest(name = "{0}")
    @FieldSource("LOOPS")
    @Timeout(20)
    void postRunsEveryTask(String impl) throws Exception {
        String why = Loops.unavailable(impl);
        Assumptions.assumeTrue(why == null, () -> impl + " cannot run here: " + why);
        PostBench b = new PostBench();
        b.impl = impl;
        b.setUp();
        try {
            b.sameThreadBurst();
            assertThat(b.counter.runs).isEqualTo(PostBench.OPS);
            b.crossThread();
            assertThat(b.counter.runs).isEqualTo(2L * PostBench.OPS);
            b.sameThreadChain(); // returns only once the chain's last step ran
            b.crossThreadRoundTrip();
            b.crossThreadRoundTrip();
            b.crossThreadRoundTripIdle(new PostBench.Idle());
            assertThat(b.echo.seen()).isEqualTo(3);
        } finally {
            b.tearDown(); // fails if a batch ran the wrong number of tasks
        }
        assertThat(b.check.failures).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("TIMERS")
    @Timeout(20)
    void timersFireOrNotAsAsked(String impl) throws Exception {
        TimerBench b = new TimerBench();
        b.impl = impl;
        b.setUp();
        try {
            b.scheduleCancel(); // a cancelled timer that ran would throw on its thread; none may fire
            b.scheduleFire();
            b.drain();
            assertThat(b.timers.fired()).isEqualTo(TimerBench.OPS);
            b.scheduleCancel();
            b.drain();
            assertThat(b.timers.fired()).isEqualTo(TimerBench.OPS);
        } finally {
            b.tearDown();
        }
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("PARSERS")
    void parsersSeeEveryRequest(String impl) {
        ParseBench b = new ParseBench();
        b.impl = impl;
        b.setUp();
        int perBuffer = impl.endsWith("-baseline") ? 1 : 16; // the baseline hands back the buffer itself
        for (int i = 0; i < 3; i++) { // again and again on the same buffers, as the benchmark does
            assertThat(b.plaintext()).isEqualTo(1);
            assertThat(b.techEmpower()).isEqualTo(1);
            assertThat(b.pipelined16()).isEqualTo(perBuffer);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ringnet", "ringnet-direct"})
    void ringnetAdapterFailsOnABadRequestRatherThanCountingIt(String impl) {
        Requests bad = Requests.open(impl, "GET /plaintext HTTP/1.1\r\n\r\n"); // HTTP/1.1 without Host
        assertThatThrownBy(bad::parseAll).hasMessageContaining("400");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ringnet", "ringnet-direct"})
    void ringnetAdapterFailsOnAnIncompleteRequestRatherThanIgnoringIt(String impl) {
        Requests cut = Requests.open(impl, Requests.PLAINTEXT + "GET /plaintext HTTP/1.1\r\nHo");
        assertThatThrownBy(cut::parseAll).hasMessageContaining("incomplete");
    }

    @Test
    void ringnetParsesAHeapBufferAsTheServerDoesAndRingnetDirectADirectOne() {
        // the parser's single pass only runs over heap buffers (HttpRequestParser.parse)
        Requests.Ringnet heap = (Requests.Ringnet) Requests.open("ringnet", Requests.PLAINTEXT);
        assertThat(heap.parsed().hasArray()).isTrue();
        assertThat(heap.received.isDirect()).isTrue(); // copied from a direct buffer, as lent by the loop
        Requests.Ringnet direct = (Requests.Ringnet) Requests.open("ringnet-direct", Requests.PLAINTEXT);
        assertThat(direct.parsed().isDirect()).isTrue();
    }
}
