package dev.ringnet.examples;

import dev.ringnet.loop.IoContext;
import java.io.IOException;
import java.time.Duration;

public final class HelloLoop {
    public static void main(String[] args) throws IOException {
        try (IoContext ctx = IoContext.create()) {              // best backend available here
            ctx.post(() -> System.out.println("hello from the loop, backend " + ctx.backendName()));
            ctx.schedule(Duration.ofMillis(100), () -> {
                System.out.println("timer fired, stopping");
                ctx.stop();                                      // run() returns
            });
            ctx.run();                                           // this thread is the loop thread
        }                                                        // close() releases everything
    }
}
