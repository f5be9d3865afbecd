package dev.ringnet.cli;

import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.Backends;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The {@code ringnet} command: dispatches to {@code info}, {@code echo} or {@code help}.
 * {@link #run} does the work and returns the exit code; {@link #main} only exits with it.
 */
public final class Main {
    /** Success. */
    static final int EXIT_OK = 0;
    /** The command ran and failed (backend unavailable, port in use, loop failure). */
    static final int EXIT_FAILURE = 1;
    /** Bad command line: unknown command or option, missing or malformed value. */
    static final int EXIT_USAGE = 2;

    private Main() {}

    /** The JDK's default log format takes two lines a record; a command line wants one. */
    private static final String LOG_FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";

    public static void main(String[] args) {
        if (System.getProperty(LOG_FORMAT_PROPERTY) == null) { // -D on the command line wins
            System.setProperty(LOG_FORMAT_PROPERTY, "ringnet: %4$s: %5$s%6$s%n");
        }
        // The log formatter reads the time-zone database on its first record. Load it now: a server
        // that runs out of file descriptors (EMFILE) must still be able to log that it did.
        java.time.ZonedDateTime.now();
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Runs one command line. Usage errors print the problem and the usage text on {@code err} and
     * return {@link #EXIT_USAGE}; {@code --help} prints the usage text on {@code out}.
     *
     * @return the process exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println("ringnet: no command given");
            err.println();
            err.print(usage());
            return EXIT_USAGE;
        }
        String command = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            switch (command) {
                case "help", "--help", "-h" -> {
                    if (!rest.isEmpty()) {
                        throw new UsageException(command + " takes no arguments");
                    }
                    out.print(usage());
                    return EXIT_OK;
                }
                case "info", "echo", "http", "chat" -> {
                    if (rest.contains("--help") || rest.contains("-h")) {
                        out.print(usage());
                        return EXIT_OK;
                    }
                    return switch (command) {
                        case "info" -> InfoCommand.run(InfoCommand.parse(rest), out);
                        case "echo" -> EchoCommand.run(EchoCommand.parse(rest), out, err);
                        case "chat" -> ChatCommand.run(ChatCommand.parse(rest), out, err);
                        default -> HttpCommand.run(HttpCommand.parse(rest), out, err);
                    };
                }
                case "bench" -> throw new UsageException(
                        "bench runs through the bin/ringnet script (bin/ringnet bench --help), not this JVM");
                default -> throw new UsageException("unknown command '" + command + "'");
            }
        } catch (UsageException e) {
            err.println("ringnet: " + e.getMessage());
            err.println();
            err.print(usage());
            return EXIT_USAGE;
        }
    }

    /** The usage text, with the backend names known to this build. */
    static String usage() {
        String backends = Backends.all().stream().map(BackendInfo::name).collect(Collectors.joining(", "));
        return """
                usage: ringnet <command> [options]

                commands:
                  info                     list the I/O backends and which one auto picks here,
                                           the Java version and the OS
                  echo --port P [options]  run an echo server until SIGINT or SIGTERM
                      --port P             port to listen on, 0-65535 (0: any free port)
                      --host H             address to bind (default 0.0.0.0; ::, ::1, names work)
                      --backend NAME       I/O backend: auto (default), %1$s
                      --udp                echo UDP datagrams instead of TCP streams
                  http --port P [options]  run the HTTP/1.1 server (/plaintext, /json) until
                                           SIGINT or SIGTERM
                      --port P             port to listen on, 0-65535 (0: any free port)
                      --host H             address to bind (default 0.0.0.0)
                      --backend NAME       I/O backend: auto (default), %1$s
                      --workers N          worker loops (default: the available processors)
                      --accept MODE        acceptor (default: one accepting loop, round robin)
                                           or reuseport (one SO_REUSEPORT listener per worker)
                      --catch-all          every method and path answers 200 after reading the
                                           whole request body
                  chat --port P [options]  run a line-based chat server (rooms: /join NAME) until
                                           SIGINT or SIGTERM
                      --port P             port to listen on, 0-65535 (0: any free port)
                      --host H             address to bind (default 0.0.0.0)
                      --backend NAME       I/O backend: auto (default), %1$s
                  bench [options]          benchmarks, run by bin/ringnet (not by this JVM):
                                           HTTP vs Netty and JDK virtual threads (bench --help),
                                           bench echo (ringnet's backends), bench micro (JMH);
                                           see docs/benchmarks.md
                  help, --help             show this help

                exit codes: 0 ok, 1 failure (backend unavailable, port in use), 2 bad command line
                """.formatted(backends);
    }
}
