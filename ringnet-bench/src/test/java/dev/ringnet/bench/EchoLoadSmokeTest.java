package dev.ringnet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.Backends;
import dev.ringnet.loop.IoContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the load generator for about a second against an in-process {@link EchoServer}, once per
 * server backend: a smoke test of the benchmark's two halves, not a measurement (nothing here
 * asserts on speed).
 */
class EchoLoadSmokeTest {

    static Stream<Arguments> backends() {
        return Backends.all().stream().map(info -> Arguments.of(Named.of(info.name(), info)));
    }

    @ParameterizedTest(name = "server on {0}")
    @MethodSource("backends")
    void loadGeneratorCompletesRoundTripsWithoutErrors(BackendInfo backend) throws Exception {
        Assumptions.assumeTrue(backend.available(), () -> backend.name() + " unavailable: " + backend.detail());
        IoContext serverCtx = IoContext.create(backend.name());
        Thread loop = null;
        try {
            EchoServer server = EchoServer.start(serverCtx, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            InetSocketAddress address = server.localAddress();
            loop = serverCtx.start("smoke-echo-server");

            List<String> phases = new ArrayList<>();
            EchoLoad.Config config = new EchoLoad.Config(address, 8, 64, TimeUnit.MILLISECONDS.toNanos(200),
                    TimeUnit.MILLISECONDS.toNanos(800), Backends.AUTO, Duration.ofSeconds(5));
            EchoLoad.Result r = new EchoLoad(config, new EchoLoad.PhaseListener() {
                @Override
                public void measureStarted() {
                    phases.add("start");
                }

                @Override
                public void measureEnded() {
                    phases.add("end");
                }
            }).run();

            assertThat(r.errors()).as("errors (first: %s)", r.firstError()).isZero();
            assertThat(r.connected()).isEqualTo(8);
            assertThat(r.roundTrips()).isPositive();
            assertThat(r.measuredNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(800));
            assertThat(r.p50()).isPositive();
            assertThat(r.p50()).isLessThanOrEqualTo(r.p99());
            assertThat(r.slices()).isEqualTo(8);
            assertThat(phases).containsExactly("start", "end");
            assertThat(r.toLine()).contains("round_trips=" + r.roundTrips()).contains("errors=0");
        } finally {
            serverCtx.close();
            if (loop != null) {
                loop.join(5_000);
            }
        }
    }
}
