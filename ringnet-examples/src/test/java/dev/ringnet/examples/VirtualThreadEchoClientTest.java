package dev.ringnet.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.IoContext;
import dev.ringnet.loop.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class VirtualThreadEchoClientTest {

    @Test
    void receivesItsOwnMessageBack() throws Exception {
        try (IoContext ctx = IoContext.create()) {
            ctx.start();
            try (CallbackEchoServer server = CallbackEchoServer.start(ctx, 0)) {
                Task<String> echo = VirtualThreadEchoClient.start(ctx, server.address(), "hello, ringnet");
                assertThat(echo.get(10, TimeUnit.SECONDS)).isEqualTo("hello, ringnet");
            }
        }
    }

    @Test
    void manyTasksShareOneLoop() throws Exception {
        try (IoContext ctx = IoContext.create()) {
            ctx.start();
            try (CallbackEchoServer server = CallbackEchoServer.start(ctx, 0)) {
                List<Task<String>> tasks = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    tasks.add(VirtualThreadEchoClient.start(ctx, server.address(), "message " + i + " ".repeat(i * 100)));
                }
                for (int i = 0; i < tasks.size(); i++) {
                    assertThat(tasks.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("message " + i + " ".repeat(i * 100));
                }
            }
        }
    }
}
