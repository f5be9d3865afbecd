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
        assertThat(o.memory()).isEmpty();
        assertThat(o.servers()).isEqualTo(HttpBench.DEFAULT_SERVERS).contains("c-epoll");
        assertThat(o.shapes()).containsExactly("pipelined", "plaintext", "json", "echo");
        assertThat(o.cEpollUnavailable()).isNull();
    }

    @Test
    void memoryCountsAreAListWithMaxAndZeroSkips() {
        assertThat(HttpBench.parse(new String[0]).memory()).isNull();                // default, resolved at run time
        assertThat(HttpBench.parse(new String[] {"--memory", "10000,max"}).memory()).containsExactly("10000", "max");
        assertThat(HttpBench.parse(new String[] {"--memory", "0"}).memory()).isEmpty();
        assertThat(HttpBench.parse(new String[] {"--quick", "--memory", "500"}).memory()).containsExactly("500");
        assertThatThrownBy(() -> HttpBench.parse(new String[] {"--memory", "10k"})).isInstanceOf(Args.UsageException.class);
    }

    @Test
    void theDescriptorLimitDecidesWhichCountsAreMeasurable() {
        // this machine: hard RLIMIT_NOFILE 20000, no CAP_SYS_RESOURCE
        assertThat(FdLimits.defaultCounts(20_000)).containsExactly(10_000, 19_000, 100_000);
        assertThat(FdLimits.notMeasurable(19_000, 20_000)).isNull();
        assertThat(FdLimits.notMeasurable(100_000, 20_000))
                .isEqualTo("not measurable here: hard RLIMIT_NOFILE = 20000, raising it needs CAP_SYS_RESOURCE");
        // a machine where 100k fit: just the two counts the issue asks for
        assertThat(FdLimits.defaultCounts(1_048_576)).containsExactly(10_000, 100_000);
        assertThat(FdLimits.defaultCounts(Long.MAX_VALUE)).containsExactly(10_000, 100_000);
        assertThat(FdLimits.resolve(java.util.List.of("max", "5000", "5000"), 20_000)).containsExactly(5_000, 19_000);
    }

    @Test
    void readsTheOpenFilesLineOfProcLimits() {
        String limits = """
                Limit                     Soft Limit           Hard Limit           Units
                Max processes             unlimited            unlimited            processes
                Max open files            1024                 20000                files
                Max locked memory         8388608              8388608              bytes
                """;
        assertThat(FdLimits.parse(limits)).isEqualTo(new FdLimits.Limit(1024, 20_000));
        assertThat(FdLimits.parse("Max open files            unlimited            unlimited            files\n"))
                .isEqualTo(new FdLimits.Limit(Long.MAX_VALUE, Long.MAX_VALUE));
        assertThat(FdLimits.read("self")).isNotNull();
    }

    @Test
    void cEpollCanBeMarkedUnavailable() {
        HttpBench.Options o = HttpBench.parse(new String[] {"--c-epoll", "/nope/epoll_http", "--c-epoll-unavailable", "gcc not found"});
        assertThat(o.cEpoll()).hasToString("/nope/epoll_http");
        assertThat(o.cEpollUnavailable()).isEqualTo("gcc not found");
        assertThat(HttpBench.shapeLabel("echo")).isEqualTo("echo 64 B");
    }

    @Test
    void serversAndShapesAreChecked() {
        HttpBench.Options o = HttpBench.parse(new String[] {"--servers", "ringnet-io_uring,jdk-vt", "--shapes", "json", "--rounds", "2"});
        assertThat(o.servers()).containsExactly("ringnet-io_uring", "jdk-vt");
        assertThat(o.shapes()).containsExactly("json");
        assertThat(o.rounds()).isEqualTo(2);
        assertThatThrownBy(() -> HttpBench.parse(new String[] {"--servers", "tomcat"})).isInstanceOf(Args.UsageException.class);
        assertThatThrownBy(() -> HttpBench.parse(new String[] {"--shapes", "db"})).isInstanceOf(Args.UsageException.class);
        assertThat(HttpBench.parse(new String[] {"--servers", "c-epoll", "--shapes", "echo"}).shapes()).containsExactly("echo");
    }

    @Test
    void perRoundRatiosCancelADriftThatRatiosOfMediansDoNot() {
        HttpBench.Options o = HttpBench.parse(new String[] {"--servers", "ringnet-epoll,netty-epoll", "--shapes", "plaintext",
                "--rounds", "3"});
        HttpBench bench = new HttpBench(o, System.out);
        // The machine slows down over the run: both servers' figures move, b's rounds hit the slow spells.
        double[] a = {100, 200, 400};
        double[] b = {200, 800, 800};
        java.util.List<HttpBench.Run> runs = new java.util.ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            runs.add(run(round, "ringnet-epoll", a[round - 1]));
            runs.add(run(round, "netty-epoll", b[round - 1]));
        }
        runs.add(new HttpBench.Run(7, 3, "netty-epoll", "plaintext", 0, true, null, 1, 1, 1e9, 0, 0, 0,
                null, 0, null, null)); // a discarded attempt: never paired
        double[] perRound = bench.pairedRatio(runs, "ringnet-epoll", "netty-epoll", "plaintext", HttpBench.Run::rps);
        assertThat(perRound).containsExactly(0.5, 0.25, 0.5); // median, min, max of 0.5, 0.25, 0.5
        double[] none = bench.pairedRatio(runs, "ringnet-epoll", "jdk-vt", "plaintext", HttpBench.Run::rps);
        assertThat(none).isNull();
    }

    private static HttpBench.Run run(int round, String server, double rps) {
        return new HttpBench.Run(round * 2, round, server, "plaintext", 0, false, null, 1, (long) rps, rps, 0, 0, 0,
                null, 0, null, null);
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
