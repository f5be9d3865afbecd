package dev.ringnet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Callgrind's per-thread dumps: totals, the split by object, the classification (small synthetic files, no valgrind). */
class CallgrindTest {
    private static final String HEADER = """
            # callgrind format
            version: 1
            creator: callgrind-3.19.0
            pid: 4242
            cmd:  java -XX:+UseSerialGC -Dx=y -cp a.jar dev.ringnet.bench.RingnetHttpMain --port 0
            part: 1
            thread: %d

            desc: I1 cache:
            desc: Timerange: Basic block 0 - 21574885
            desc: Trigger: dump

            positions: line
            events: Ir
            summary: 0

            """;

    /** A C2 compiler thread: libjvm.so and libc, a call whose inclusive cost must not count as the caller's own. */
    static final String COMPILER = HEADER.formatted(10) + """
            ob=(2) /usr/lib/jvm/temurin-25-jdk-amd64/lib/server/libjvm.so
            fl=(1) ???
            fn=(10) PhaseChaitin::elide_copy(Node*, int, Block*, Node_List*, Node_List*, bool)
            0 7000
            cob=(4) /usr/lib/x86_64-linux-gnu/libc.so.6
            cfi=(3) ./string/../sysdeps/x86_64/multiarch/memset-vec-unaligned-erms.S
            cfn=(12) __memset_avx2_unaligned_erms
            calls=20 0
            0 900
            +2 1000

            fn=(11) PhaseLive::compute(unsigned int)
            0 1500

            ob=(4)
            fl=(3)
            fn=(12)
            0 900

            ob=(5) ???
            fl=(2) ???
            fn=(13) 0x000000001c074280
            0 5

            totals: 10405
            """;

    /** An event loop: JIT-compiled Java ({@code ???}), some runtime calls, syscall wrappers in libc. */
    static final String EVENT_LOOP = HEADER.formatted(14) + """
            ob=(1) ???
            fl=(1) ???
            fn=(1) 0x000000001c683710
            0 39000
            fn=(2) 0x000000001c689a90'2
            0 15000
            * 500

            ob=(2) /usr/lib/jvm/temurin-25-jdk-amd64/lib/server/libjvm.so
            fn=(3) SharedRuntime::complete_monitor_locking_C(oopDesc*, BasicLock*, JavaThread*)
            0 1200
            ob=(3) /usr/lib/x86_64-linux-gnu/libc.so.6
            fn=(4) send
            0 700

            totals: 56400
            """;

    @Test
    void splitsAThreadsOwnInstructionsByObject() throws Exception {
        Callgrind.ThreadCost t = Callgrind.parse(COMPILER);
        assertThat(t.thread()).isEqualTo(10);
        assertThat(t.ir()).isEqualTo(10_405);
        assertThat(t.jvmIr()).isEqualTo(7_000 + 1_000 + 1_500);          // the call's 900 is memset's, counted there
        assertThat(t.cLibraryIr()).isEqualTo(900);
        assertThat(t.codeIr()).isEqualTo(5);
        assertThat(t.jvmIr() + t.cLibraryIr() + t.codeIr()).isEqualTo(t.ir());
        assertThat(t.requestWork()).isFalse();
        assertThat(t.classification()).isEqualTo("JVM housekeeping");
        assertThat(t.hottest()).containsExactly(new Callgrind.Hot("PhaseChaitin::elide_copy (libjvm.so)", 8_000),
                new Callgrind.Hot("PhaseLive::compute (libjvm.so)", 1_500),
                new Callgrind.Hot("__memset_avx2_unaligned_erms (libc.so.6)", 900));
    }

    @Test
    void aThreadRunningJavaCodeIsRequestWork() throws Exception {
        Callgrind.ThreadCost t = Callgrind.parse(EVENT_LOOP);
        assertThat(t.codeIr()).isEqualTo(54_500);
        assertThat(t.jvmIr()).isEqualTo(1_200);
        assertThat(t.cLibraryIr()).isEqualTo(700);
        assertThat(t.requestWork()).isTrue();
        assertThat(t.hottest().getFirst()).isEqualTo(new Callgrind.Hot(Callgrind.GENERATED_CODE, 54_500));
    }

    @Test
    void theRuleIsTheShareOfCodeOutsideTheCLibraries() throws Exception {
        // The C server: its binary and libc, no JVM at all.
        Callgrind.ThreadCost c = Callgrind.parse(HEADER.formatted(1) + """
                ob=(1) /tmp/h3/ringnet-bench/target/epoll_http
                fn=(1) main
                0 150
                ob=(2) /usr/lib/x86_64-linux-gnu/libc.so.6
                fn=(2) memmem
                0 850
                """);
        assertThat(c.ir()).isEqualTo(1_000);                              // no totals line: the sum
        assertThat(c.requestWork()).isTrue();
        // A virtual-thread carrier deoptimizing: half in libjvm.so, still request work.
        assertThat(thread(440, 480, 63).requestWork()).isTrue();
        // Just over and just under the threshold.
        assertThat(thread(10, 90, 0).requestWork()).isTrue();
        assertThat(thread(9, 91, 0).requestWork()).isFalse();
        // A service thread that only woke up in libc and the JVM; one that did nothing.
        assertThat(thread(0, 14, 85).requestWork()).isFalse();
        assertThat(thread(0, 0, 12).requestWork()).isFalse();
        assertThat(thread(0, 0, 0).requestWork()).isFalse();
    }

    private static Callgrind.ThreadCost thread(long code, long jvm, long libc) throws Exception {
        return Callgrind.parse(HEADER.formatted(3) + "ob=(1) ???\nfn=(1) 0x1\n0 " + code
                + "\nob=(2) /opt/jdk/lib/server/libjvm.so\nfn=(2) f\n0 " + jvm
                + "\nob=(3) /lib/ld-linux-x86-64.so.2\nfn=(3) __tls_get_addr\n0 " + libc + "\n");
    }

    @Test
    void readsTheIrColumnWhateverThePositionsAndEvents() throws Exception {
        Callgrind.ThreadCost t = Callgrind.parse("""
                thread: 2
                positions: instr line
                events: Dr Ir
                ob=(1) /lib/server/libjvm.so
                fn=(1) VMThread::loop()
                0x10 12 3 40
                +4 * 1 1
                -2 -1
                totals: 3 41
                """);
        assertThat(t.jvmIr()).isEqualTo(41);                              // the second event column; a missing one is 0
        assertThat(t.ir()).isEqualTo(41);                                 // totals in the same column order
        assertThat(t.requestWork()).isFalse();
    }

    @Test
    void readsOneDumpOfAllThreadsAndSumsEachClass(@TempDir Path dir) throws Exception {
        Path base = dir.resolve("ringnet-epoll.cg");
        Files.writeString(dir.resolve("ringnet-epoll.cg.1-10"), COMPILER);
        Files.writeString(dir.resolve("ringnet-epoll.cg.1-14"), EVENT_LOOP);
        Files.writeString(dir.resolve("ringnet-epoll.cg.1-01"), HEADER.formatted(1) + "totals: 0\n");
        Files.writeString(dir.resolve("ringnet-epoll.cg.2-14"), EVENT_LOOP);          // the next dump
        Files.writeString(dir.resolve("ringnet-epoll-echo.cg.1-01"), EVENT_LOOP);     // another process
        Files.writeString(dir.resolve("ringnet-epoll.cg"), "");                       // written at start, empty
        assertThat(Callgrind.written(base, 1)).isTrue();
        assertThat(Callgrind.written(base, 3)).isFalse();
        Callgrind.Dump d = Callgrind.read(base, 1);
        assertThat(d.threads()).extracting(Callgrind.ThreadCost::thread).containsExactly(1, 10, 14);
        assertThat(d.active()).extracting(Callgrind.ThreadCost::thread).containsExactly(14, 10);
        assertThat(d.requestWorkIr()).isEqualTo(56_400);
        assertThat(d.housekeepingIr()).isEqualTo(10_405);
        assertThat(Callgrind.read(base, 2).threads()).hasSize(1);
    }

    @Test
    void namesWithoutParameters() {
        assertThat(Callgrind.shortName("PhaseChaitin::elide_copy(Node*, int, Block*, Node_List*, Node_List*, bool)"))
                .isEqualTo("PhaseChaitin::elide_copy");
        assertThat(Callgrind.shortName("PhaseChaitin::gather_lrg_masks(bool) [clone .constprop.0]"))
                .isEqualTo("PhaseChaitin::gather_lrg_masks");
        assertThat(Callgrind.shortName("void OopOopIterateDispatch<YoungGenScanClosure>::Table::oop_oop_iterate<InstanceKlass, "
                + "narrowOop>(YoungGenScanClosure*, oopDesc*, Klass*)")).startsWith("void OopOopIterateDispatch<").hasSizeLessThanOrEqualTo(70);
        assertThat(Callgrind.shortName("memmem")).isEqualTo("memmem");
    }

    @Test
    void valgrind319StopsIoUringServers() {
        assertThat(Callgrind.version("valgrind-3.19.0")).containsExactly(3, 19);
        assertThat(Callgrind.version("no")).isNull();
        assertThat(Callgrind.ioUringWaitsUnsupported(new int[] {3, 19})).isTrue();
        assertThat(Callgrind.ioUringWaitsUnsupported(new int[] {3, 18})).isTrue();
        assertThat(Callgrind.ioUringWaitsUnsupported(new int[] {3, 22})).isFalse();
        assertThat(InstructionsPass.notMeasurable("netty-io_uring", new int[] {3, 19}, "valgrind 3.19"))
                .isEqualTo("not measurable under valgrind 3.19: io_uring waits are not supported");
        assertThat(InstructionsPass.notMeasurable("ringnet-io_uring", new int[] {3, 19}, "valgrind 3.19")).isNotNull();
        assertThat(InstructionsPass.notMeasurable("ringnet-io_uring", new int[] {3, 22}, "valgrind 3.22")).isNull();
        for (String s : InstructionsPass.SERVERS) {
            assertThat(InstructionsPass.notMeasurable(s, new int[] {3, 19}, "valgrind 3.19")).isNull();
        }
    }

    @Test
    void theInstructionsPassIsOffByDefaultAndItsShapesFollowShapes() {
        assertThat(HttpBench.parse(new String[0]).instructions()).isFalse();
        assertThat(HttpBench.parse(new String[] {"--quick"}).instructions()).isFalse();
        HttpBench.Options o = HttpBench.parse(new String[] {"--instructions"});
        assertThat(o.instructions()).isTrue();
        assertThat(o.instrShapes()).containsExactly("pipelined", "plaintext");          // not json, not echo, by default
        assertThat(o.instrWarmupNanos()).isEqualTo(30_000_000_000L);
        assertThat(o.instrMeasureNanos()).isEqualTo(10_000_000_000L);
        assertThat(o.instrSettleMaxNanos()).isEqualTo(30_000_000_000L);
        assertThat(o.valgrind()).isEqualTo("valgrind");
        o = HttpBench.parse(new String[] {"--instructions", "--shapes", "echo,json,pipelined", "--instructions-warmup", "40",
                "--instructions-measure", "5", "--instructions-settle-max", "60", "--valgrind", "/opt/valgrind/bin/valgrind"});
        assertThat(o.instrShapes()).containsExactly("echo", "pipelined");
        assertThat(o.instrWarmupNanos()).isEqualTo(40_000_000_000L);
        assertThat(o.instrMeasureNanos()).isEqualTo(5_000_000_000L);
        assertThat(o.instrSettleMaxNanos()).isEqualTo(60_000_000_000L);
        assertThat(List.of(o.valgrind())).containsExactly("/opt/valgrind/bin/valgrind");
        assertThatThrownBy(() -> HttpBench.parse(new String[] {"--instructions", "--instructions-settle-max", "5"}))
                .isInstanceOf(Args.UsageException.class);
        assertThatThrownBy(() -> HttpBench.parse(new String[] {"--instructions", "--shapes", "json"}))
                .isInstanceOf(Args.UsageException.class).hasMessageContaining("--shapes selects none");
        assertThat(HttpBench.parse(new String[] {"--shapes", "json"}).instructions()).isFalse();
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void awaitingADumpSeesOneWrittenBeforeOrWhileWaitingAndTimesOutOtherwise(@TempDir Path dir) throws Exception {
        Path base = dir.resolve("server.cg");
        assertThat(Callgrind.awaitWritten(base, 1, 100_000_000L)).as("nothing written: false after the timeout").isFalse();
        Files.writeString(dir.resolve("server.cg.1-01"), "totals: 1\n");
        assertThat(Callgrind.awaitWritten(base, 1, 0)).as("written before").isTrue();
        java.util.concurrent.CompletableFuture<Boolean> waiting = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return Callgrind.awaitWritten(base, 2, 20_000_000_000L);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        Files.writeString(dir.resolve("server.cg.2-01"), "totals: 1\n"); // before or after the waiter registers: seen either way
        assertThat(waiting.get(25, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
}
