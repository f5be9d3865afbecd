package dev.ringnet.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringnet.loop.IoContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class CallbackEchoServerTest {
    private IoContext ctx;
    private CallbackEchoServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeEach
    void startServer() throws IOException {
        ctx = IoContext.create();
        ctx.start();
        server = CallbackEchoServer.start(ctx, 0);
    }

    @AfterEach
    void stop() {
        threads.shutdownNow();
        server.close();
        ctx.close();
    }

    @Test
    void echoesWhatAClientSends() throws IOException {
        assertThat(server.address().getPort()).isPositive();
        try (Socket client = new Socket(server.address().getAddress(), server.address().getPort())) {
            client.setSoTimeout(5000);
            client.getOutputStream().write("ping".getBytes());
            assertThat(client.getInputStream().readNBytes(4)).isEqualTo("ping".getBytes());
            client.getOutputStream().write("pong!".getBytes());
            assertThat(client.getInputStream().readNBytes(5)).isEqualTo("pong!".getBytes());
        }
    }

    @Test
    void echoesLargePayloadsToManyClientsAtOnce() throws Exception {
        byte[] payload = new byte[1 << 20]; // larger than socket buffers: partial writes happen
        new Random(42).nextBytes(payload);
        List<Future<byte[]>> echoes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            echoes.add(threads.submit(() -> roundTrip(payload)));
        }
        for (Future<byte[]> echo : echoes) {
            assertThat(echo.get(15, TimeUnit.SECONDS)).isEqualTo(payload);
        }
    }

    @Test
    void closesTheConnectionWhenThePeerHalfCloses() throws IOException {
        try (Socket client = new Socket(server.address().getAddress(), server.address().getPort())) {
            client.setSoTimeout(5000);
            client.getOutputStream().write("bye".getBytes());
            client.shutdownOutput();
            assertThat(client.getInputStream().readAllBytes()).isEqualTo("bye".getBytes());
        }
    }

    @Test
    void stopsAcceptingWhenClosed() throws IOException {
        server.close();
        assertThatThrownBy(() -> new Socket(server.address().getAddress(), server.address().getPort()).close())
                .isInstanceOf(ConnectException.class);
    }

    /** The README quotes this example's handlers: every line it shows must exist in the source. */
    @Test
    void readmeEchoSnippetComesFromTheExample() throws IOException {
        Path readme = Path.of("..", "README.md");
        Assumptions.assumeTrue(Files.exists(readme), "README.md not found next to the module");
        Matcher block = Pattern.compile("```java\\n([^`]*IoHandler<Conn> ON_READ[^`]*)```").matcher(Files.readString(readme));
        assertThat(block.find()).as("README has the callback echo snippet").isTrue();
        List<String> source = Files.readAllLines(Path.of("src/main/java/dev/ringnet/examples/CallbackEchoServer.java"))
                .stream().map(String::strip).toList();
        block.group(1).lines().map(String::strip).filter(l -> !l.isEmpty() && !l.equals("..."))
                .forEach(line -> assertThat(source).as("README line in CallbackEchoServer.java").contains(line));
    }

    private byte[] roundTrip(byte[] payload) throws Exception {
        try (Socket client = new Socket(server.address().getAddress(), server.address().getPort())) {
            client.setSoTimeout(10_000);
            Future<?> writer = threads.submit(() -> {
                OutputStream out = client.getOutputStream();
                out.write(payload);
                client.shutdownOutput();
                return null;
            });
            InputStream in = client.getInputStream();
            byte[] echoed = in.readAllBytes();
            writer.get(10, TimeUnit.SECONDS);
            return echoed;
        }
    }
}
