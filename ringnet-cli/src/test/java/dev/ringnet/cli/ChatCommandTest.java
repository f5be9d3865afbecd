package dev.ringnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The chat service in process, with plain java.net.Socket clients. */
@Timeout(60)
class ChatCommandTest {
    private ChatCommand.Server server;

    /** A blocking line client; every read has a timeout, so a missing line fails instead of hanging. */
    private final class Client implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;
        final OutputStream out;

        Client() throws IOException {
            socket = new Socket();
            socket.connect(server.address(), 10_000);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        void say(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String next() throws IOException {
            return in.readLine();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @BeforeEach
    void start() throws IOException {
        server = ChatCommand.Server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "auto");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void linesReachEveryOtherClientInTheRoomOnly() throws Exception {
        try (Client a = new Client(); Client b = new Client(); Client c = new Client()) {
            String welcomeA = a.next();
            assertThat(welcomeA).matches("\\* welcome user\\d+, you are in lobby");
            assertThat(b.next()).endsWith("you are in lobby");
            assertThat(c.next()).endsWith("you are in lobby");
            String nameA = welcomeA.split(" ")[2].replace(",", "");

            a.say("hello");
            assertThat(b.next()).isEqualTo(nameA + ": hello");
            assertThat(c.next()).isEqualTo(nameA + ": hello");
            b.say("back");
            // a's next line is b's, not its own "hello": the sender gets nothing back
            assertThat(a.next()).endsWith(": back");
            assertThat(c.next()).endsWith(": back");

            c.say("/join x");
            assertThat(c.next()).isEqualTo("* you are in x");
            a.say("lobby only");
            assertThat(b.next()).isEqualTo(nameA + ": lobby only");
            a.say("/join x");
            assertThat(a.next()).isEqualTo("* you are in x");
            a.say("in x");
            // c left the lobby before "lobby only" was sent: its next line is the one from room x
            assertThat(c.next()).isEqualTo(nameA + ": in x");
            b.say("anyone?");
            b.say("/join x");
            assertThat(b.next()).isEqualTo("* you are in x");
            c.say("hi both");
            assertThat(a.next()).endsWith(": hi both");
            assertThat(b.next()).endsWith(": hi both");
            assertThat(server.roomNames()).containsExactlyInAnyOrder("lobby", "x");
        }
    }

    @Test
    void aClientThatLeavesIsDroppedFromItsRoom() throws Exception {
        try (Client a = new Client(); Client b = new Client()) {
            a.next();
            b.next();
            try (Client c = new Client()) {
                c.next();
            }
            a.say("still here");
            assertThat(b.next()).endsWith(": still here");
        }
    }

    @Test
    void parsesTheCommandLine() throws Exception {
        ChatCommand.Config config = ChatCommand.parse(List.of("--port", "0", "--host", "127.0.0.1"));
        assertThat(config.address().getPort()).isZero();
        assertThat(Main.usage()).contains("chat --port P");
    }
}
