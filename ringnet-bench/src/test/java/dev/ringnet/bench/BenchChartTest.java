package dev.ringnet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** The chart is well-formed SVG with a bar per server and shape that has figures, and none for a skipped server. */
class BenchChartTest {

    @Test
    void drawsOneBarPerServerAndShapeInTwoPanelsPerShape() throws Exception {
        List<String> servers = List.of("ringnet-io_uring", "ringnet-epoll", "netty-io_uring", "netty-epoll", "netty-nio",
                "jdk-vt", "c-epoll");
        List<String> shapes = List.of("pipelined", "plaintext", "json", "echo");
        String svg = BenchChart.svg("test chart", servers, shapes, Map.of("c-epoll", "gcc not found"), new BenchChart.Source() {
            @Override
            public double[] throughput(String server, String shape) {
                if (server.equals("c-epoll")) {
                    return null;
                }
                double v = (shape.equals("pipelined") ? 1_000_000 : 120_000) + 1000 * server.length();
                return new double[] {v, v * 0.9, v * 1.1};
            }

            @Override
            public double[] cpuPerOp(String server, String shape) {
                return server.equals("c-epoll") ? null : new double[] {shape.equals("pipelined") ? 0.9 : 6.5, 0.5, 7.5};
            }

            @Override
            public boolean allDisturbed(String server, String shape) {
                return server.equals("jdk-vt") && shape.equals("json");
            }
        });
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/bench-chart-test.svg"), svg);   // to look at
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        int bars = doc.getElementsByTagName("rect").getLength() - 1 - servers.size();   // less background and legend
        assertThat(bars).isEqualTo(2 * shapes.size() * (servers.size() - 1));
        assertThat(svg.split("fill-opacity=\"0.4\"", -1).length - 1).as("pale bars").isEqualTo(2);
        assertThat(svg).contains("c-epoll (skipped)").contains("echo 64 B ping-pong").contains("round trips/s");
    }

    @Test
    void ticksAreRoundNumbers() {
        assertThat(BenchChart.niceStep(0.9)).isEqualTo(1.0);
        assertThat(BenchChart.niceStep(196_000)).isEqualTo(200_000.0);
        assertThat(BenchChart.niceStep(2.2)).isEqualTo(2.5);
        assertThat(BenchChart.niceStep(31)).isEqualTo(40.0);
        assertThat(BenchChart.niceStep(308_000)).isEqualTo(400_000.0);
        assertThat(BenchChart.compact(1_008_130, true)).isEqualTo("1.01M");
        assertThat(BenchChart.compact(148_530, true)).isEqualTo("149k");
        assertThat(BenchChart.compact(0.95, false)).isEqualTo("0.95");
    }
}
