package dev.ringnet.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.IoContext;
import dev.ringnet.loop.LoopScheduler;
import dev.ringnet.loop.Task;
import dev.ringnet.net.TcpListener;
import dev.ringnet.net.TcpSocket;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Loop-affine tasks (surefire opens java.lang, so they are available here) and offloading. */
@Timeout(60)
class LoopAffineTaskTest {
    private IoContext ctx;
    private Thread loopThread;

    @BeforeEach
    void start() throws Exception {
        ctx = IoContext.create();
        loopThread = ctx.start("affine-loop");
    }

    @AfterEach
    void close() {
        ctx.close();
    }

    /** A virtual thread prints as {@code VirtualThread[#id,name]/runnable@carrier}. */
    private static String carrierOfCurrentThread() {
        String s = Thread.currentThread().toString();
        return s.substring(s.lastIndexOf('@') + 1);
    }

    @Test
    void tasksRunOnTheLoopThreadAndYieldItWhenTheyPark() throws Exception {
        assertThat(LoopScheduler.availability().available()).as(LoopScheduler.availability().toString()).isTrue();
        assertThat(ctx.loopAffineTasks()).isTrue();
        Task<List<String>> task = ctx.spawn(() -> {
            List<String> seen = new ArrayList<>();
            seen.add(carrierOfCurrentThread());
            seen.add("inEventLoop=" + ctx.inEventLoop());
            // The loop must run this posted task while we are parked: proof that parking yields.
            CompletableFuture<String> ranOnLoop = new CompletableFuture<>();
            ctx.post(() -> ranOnLoop.complete(Thread.currentThread().getName()));
            seen.add(ranOnLoop.get(10, TimeUnit.SECONDS));
            seen.add(carrierOfCurrentThread());
            return seen;
        });
        assertThat(task.get(20, TimeUnit.SECONDS))
                .containsExactly("affine-loop", "inEventLoop=false", "affine-loop", "affine-loop");
    }

    @Test
    void blockingRingnetIoWorksFromALoopAffineTask() throws Exception {
        CompletableFuture<TcpListener> listening = new CompletableFuture<>();
        ctx.post(() -> {
            try {
                listening.complete(TcpListener.bind(ctx, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
            } catch (Exception e) {
                listening.completeExceptionally(e);
            }
        });
        TcpListener listener = listening.get(10, TimeUnit.SECONDS);
        InetSocketAddress address = listener.localAddress();
        Task<String> server = ctx.spawn(() -> {
            try (TcpSocket s = listener.accept()) {
                ByteBuffer in = ByteBuffer.allocate(16);
                s.recv(in);
                in.flip();
                s.sendAll(in.duplicate());
                return carrierOfCurrentThread() + ":" + StandardCharsets.UTF_8.decode(in);
            }
        });
        Task<String> client = ctx.spawn(() -> {
            try (TcpSocket s = TcpSocket.connect(ctx, address)) {
                s.sendAll(ByteBuffer.wrap("ping".getBytes(StandardCharsets.UTF_8)));
                ByteBuffer in = ByteBuffer.allocate(16);
                while (in.position() < 4 && s.recv(in) > 0) {
                    // read the echo
                }
                return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
            }
        });
        assertThat(client.get(20, TimeUnit.SECONDS)).isEqualTo("ping");
        assertThat(server.get(20, TimeUnit.SECONDS)).isEqualTo("affine-loop:ping");
        ctx.post(listener::close);
    }

    @Test
    void blockingInvokeRunsOffTheLoopAndCompletesOnIt() throws Exception {
        CompletableFuture<Void> registered = new CompletableFuture<>();
        CompletionStage<String> stage = ctx.blockingInvoke(() -> {
            registered.get(); // let the test register its callback first
            return Thread.currentThread().getName();
        });
        CompletableFuture<Boolean> completedOnLoop = new CompletableFuture<>();
        CompletableFuture<String> ranOn = new CompletableFuture<>();
        stage.whenComplete((name, err) -> {
            ranOn.complete(name);
            completedOnLoop.complete(Thread.currentThread() == loopThread);
        });
        registered.complete(null);
        assertThat(ranOn.get(10, TimeUnit.SECONDS)).startsWith("ringnet-offload-");
        assertThat(completedOnLoop.get(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> gotIn = new CompletableFuture<>();
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        CompletionStage<Void> stuck = ctx.blockingInvoke(() -> {
            gotIn.complete(null);
            try {
                new CompletableFuture<Void>().get(); // wait until interrupted
            } catch (InterruptedException e) {
                interrupted.complete(true);
            }
            return null;
        });
        gotIn.get(10, TimeUnit.SECONDS);
        stuck.toCompletableFuture().cancel(true);
        assertThat(interrupted.get(10, TimeUnit.SECONDS)).isTrue();

        Task<String> fromTask = ctx.spawn(() -> ctx.blockingInvokeAndWait(() -> Thread.currentThread().getName())
                + " then " + carrierOfCurrentThread());
        assertThat(fromTask.get(10, TimeUnit.SECONDS)).matches("ringnet-offload-\\d+ then affine-loop");
    }

    @Test
    void fallbackAndStallWarningInAFreshJvm() throws Exception {
        String forced = runProbe("-Dringnet.loopAffine=false", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-Dringnet.stallWarnMillis=5");
        assertThat(forced).contains("availability=unavailable (disabled by -Dringnet.loopAffine=false)")
                .contains("loopAffineTasks=false")
                .contains("task done=42")
                .doesNotContain("carrier=probe-loop")
                .contains("held the event loop thread");
        String closed = runProbe();
        assertThat(closed).contains("availability=unavailable (InaccessibleObjectException")
                .contains("--add-opens java.base/java.lang=ALL-UNNAMED").contains("task done=42");
        String open = runProbe("--add-opens", "java.base/java.lang=ALL-UNNAMED");
        assertThat(open).contains("availability=available").contains("carrier=probe-loop").contains("task done=42");
    }

    private static String runProbe(String... jvmArgs) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), LoopAffineProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            out = r.lines().collect(Collectors.joining("\n"));
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
