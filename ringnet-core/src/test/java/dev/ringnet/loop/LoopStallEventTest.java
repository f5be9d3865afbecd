package dev.ringnet.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A task that holds the loop thread too long is recorded as a JFR event, with how long it held it. */
class LoopStallEventTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(60)
    void aLongTaskIsRecordedAsALoopStall() throws Exception {
        try (Recording recording = new Recording(); IoContext ctx = IoContext.create("nio")) {
            recording.enable("dev.ringnet.LoopStall");
            recording.start();
            ctx.start("stall-test");
            CompletableFuture<Void> done = new CompletableFuture<>();
            ctx.post(() -> {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(150);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait(); // a handler doing heavy work on the loop: the hazard itself
                }
                done.complete(null);
            });
            done.get(20, TimeUnit.SECONDS);
            ctx.post(() -> { }); // quick tasks are not stalls
            ctx.sleepAsync(Duration.ofMillis(1)).toCompletableFuture().get(20, TimeUnit.SECONDS);
            recording.stop();
            Path file = tmp.resolve("stall.jfr");
            recording.dump(file);
            List<RecordedEvent> stalls = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("dev.ringnet.LoopStall")).toList();
            assertThat(stalls).hasSize(1);
            assertThat(stalls.get(0).getString("loopThread")).isEqualTo("stall-test");
            assertThat(stalls.get(0).getDuration("heldNanos")).isGreaterThanOrEqualTo(Duration.ofMillis(150));
            assertThat(Files.size(file)).isPositive();
        }
    }
}
