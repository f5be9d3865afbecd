package dev.ringnet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** HttpBench's option parsing and wrk output parsing (no processes started). */
class HttpBenchTest {

    @Test
    void quickIsOneShortRoundWithoutMemoryPass() {
        HttpBench.Options o = HttpBench.parse(new String[] {"--quick"});
        assertThat(o.rounds()).isEqualTo(1);
        assertThat(o.measureNanos()).isEqualTo(2_000_000_000L);
        assertThat(o.memoryConnections()).isZero();
        assertThat(o.servers()).isEqualTo(HttpBench.DEFAULT_SERVERS);
        assertThat(o.shapes()).containsExactly("pipelined", "plaintext", "json");
    }

    @Test
    void serversAndShapesAreChecked() {
        HttpBench.Options o = HttpBench.parse(new String[] {"--servers", "ringnet-io_uring,jdk-vt", "--shapes", "json", "--rounds", "2"});
        assertThat(o.servers()).containsExactly("ringnet-io_uring", "jdk-vt");
        assertThat(o.shapes()).containsExactly("json");
        assertThat(o.rounds()).isEqualTo(2);
        assertThatThrownBy(() -> HttpBench.parse(new String[] {"--servers", "tomcat"})).isInstanceOf(Args.UsageException.class);
        assertThatThrownBy(() -> HttpBench.parse(new String[] {"--shapes", "db"})).isInstanceOf(Args.UsageException.class);
    }

    @Test
    void readsWrkLatencyPercentilesInMicroseconds() {
        String wrk = """
                  Latency Distribution
                     50%  1.18ms
                     75%  1.50ms
                     90%  2.00ms
                     99%  812.00us
                  106446 requests in 1.00s, 13.00MB read
                """;
        assertThat(HttpBench.latency(wrk, "50")).isEqualTo(1180.0);
        assertThat(HttpBench.latency(wrk, "99")).isEqualTo(812.0);
        assertThat(HttpBench.latency("no distribution", "50")).isNaN();
    }
}
