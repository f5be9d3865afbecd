package dev.ringnet.cli;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A small strict parser for a subcommand's options: {@code --name value} (also
 * {@code --name=value}) for options that take a value, {@code --flag} for the others. Anything
 * else (an unknown option, a missing value, an option given twice, a stray word) is a
 * {@link UsageException} with a message that names the problem.
 *
 * <pre>{@code
 * Args a = Args.parse(List.of("--port", "7000", "--udp"), Set.of("--port", "--host"), Set.of("--udp"));
 * int port = a.port("--port");               // 7000
 * String host = a.value("--host", "0.0.0.0");
 * boolean udp = a.flag("--udp");            // true
 * }</pre>
 */
final class Args {
    private final Map<String, String> values;
    private final Set<String> flags;

    private Args(Map<String, String> values, Set<String> flags) {
        this.values = values;
        this.flags = flags;
    }

    /**
     * Parses {@code argv}.
     *
     * @param valueOptions names (with their {@code --}) of the options that take a value
     * @param flagOptions  names of the options that take none
     */
    static Args parse(List<String> argv, Set<String> valueOptions, Set<String> flagOptions) throws UsageException {
        Map<String, String> values = new HashMap<>();
        Set<String> flags = new HashSet<>();
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            String value;
            if (valueOptions.contains(name)) {
                if (eq >= 0) {
                    value = arg.substring(eq + 1);
                } else if (i + 1 < argv.size() && !argv.get(i + 1).startsWith("--")) {
                    value = argv.get(++i);
                } else {
                    throw new UsageException(name + " needs a value");
                }
                if (values.putIfAbsent(name, value) != null) {
                    throw new UsageException(name + " is given more than once");
                }
            } else if (flagOptions.contains(name)) {
                if (eq >= 0) {
                    throw new UsageException(name + " takes no value");
                }
                if (!flags.add(name)) {
                    throw new UsageException(name + " is given more than once");
                }
            } else {
                throw new UsageException("unknown option " + name);
            }
        }
        return new Args(values, flags);
    }

    /** The value of an option, if it was given. */
    Optional<String> value(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /** The value of an option, or {@code fallback} when it was not given. */
    String value(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    /** True if the flag was given. */
    boolean flag(String name) {
        return flags.contains(name);
    }

    /** An optional positive number, or {@code fallback} when not given. */
    int positive(String name, int fallback) throws UsageException {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(text);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new UsageException(name + " needs a positive number, not '" + text + "'");
    }

    /** {@code --host}: an address or name ({@code [::1]} as in URLs works), or {@code fallback}. */
    String host(String fallback) throws UsageException {
        String host = value("--host", fallback);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw new UsageException("--host needs an address or a host name");
        }
        return host;
    }

    /**
     * {@code --backend}, checked against {@link dev.ringnet.loop.Backends#all()}: an unknown name is
     * a usage error naming the known ones; an unavailable one is left for the command to report.
     */
    String backend() throws UsageException {
        String backend = value("--backend", dev.ringnet.loop.Backends.AUTO);
        try {
            dev.ringnet.loop.Backends.find(backend);
        } catch (IllegalArgumentException unknown) {
            throw new UsageException(unknown.getMessage());
        } catch (IllegalStateException noneAvailable) {
            // auto with nothing available: a failure of the run, not of the command line
        }
        return backend;
    }

    /** The address to bind, which must resolve. */
    static java.net.InetSocketAddress bindAddress(String host, int port) throws UsageException {
        java.net.InetSocketAddress address = new java.net.InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new UsageException("--host '" + host + "' does not resolve to an address");
        }
        return address;
    }

    /** A required port option: a number from 0 to 65535 (0: any free port). */
    int port(String name) throws UsageException {
        String text = value(name).orElseThrow(() -> new UsageException(name + " is required"));
        try {
            int port = Integer.parseInt(text);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException notANumber) {
            // reported below, with the accepted range
        }
        throw new UsageException(name + " needs a number between 0 and 65535, not '" + text + "'");
    }
}
