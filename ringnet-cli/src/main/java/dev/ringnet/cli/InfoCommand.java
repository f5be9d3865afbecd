package dev.ringnet.cli;

import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.Backends;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * {@code ringnet info}: one line per backend in {@code auto}'s order of preference, the backend
 * {@code auto} picks, then the Java runtime and the OS (on Linux, {@code os.version} is the kernel
 * release).
 *
 * <pre>
 * nio        available (java.nio EPollSelectorProvider)
 * auto       -&gt; nio
 * java       25.0.1+8-LTS (Eclipse Adoptium, OpenJDK 64-Bit Server VM)
 * os         Linux 6.8.0-49-generic amd64
 * </pre>
 */
final class InfoCommand {
    private InfoCommand() {}

    /** {@code info} takes no options. */
    static Args parse(List<String> argv) throws UsageException {
        return Args.parse(argv, Set.of(), Set.of());
    }

    /** Prints the report; exit code 1 if no backend is available here, else 0. */
    static int run(Args args, PrintStream out) {
        for (BackendInfo b : Backends.all()) {
            line(out, b.name(), b.available() ? "available (" + b.detail() + ")" : "unavailable: " + b.detail());
        }
        int code = Main.EXIT_OK;
        String auto;
        try {
            auto = "-> " + Backends.auto().name();
        } catch (IllegalStateException none) {
            auto = "-> none: no backend is available here";
            code = Main.EXIT_FAILURE;
        }
        line(out, Backends.AUTO, auto);
        line(out, "tasks", "loop-affine virtual threads " + dev.ringnet.loop.LoopScheduler.availability());
        line(out, "java", Runtime.version() + " (" + System.getProperty("java.vendor") + ", "
                + System.getProperty("java.vm.name") + ")");
        line(out, "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        out.flush();
        return code;
    }

    private static void line(PrintStream out, String label, String text) {
        out.printf("%-10s %s%n", label, text);
    }
}
