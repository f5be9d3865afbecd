package dev.ringnet.bench;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --flag} options; anything else is a usage error. */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new LinkedHashSet<>();

    /** Thrown for a bad command line; the message is for the user. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    private Args() {}

    /**
     * @param withValue options that take a value
     * @param flagNames options that take none
     */
    static Args parse(String[] argv, Set<String> withValue, Set<String> flagNames) {
        Args a = new Args();
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            if (withValue.contains(name)) {
                if (inline == null) {
                    if (i + 1 >= argv.length) {
                        throw new UsageException(name + " needs a value");
                    }
                    inline = argv[++i];
                }
                a.values.put(name, inline);
            } else if (flagNames.contains(name) && inline == null) {
                a.flags.add(name);
            } else {
                throw new UsageException("unknown option '" + arg + "'");
            }
        }
        return a;
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback, int min) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min) {
                throw new UsageException(name + " must be at least " + min + ": " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a whole number: " + v);
        }
    }

    /** A duration in seconds, decimals allowed; returned in nanoseconds. */
    long seconds(String name, double fallback, double min) {
        String v = values.get(name);
        double s = fallback;
        if (v != null) {
            try {
                s = Double.parseDouble(v.trim().replaceFirst("s$", ""));
            } catch (NumberFormatException e) {
                throw new UsageException(name + " needs a number of seconds: " + v);
            }
        }
        if (!(s >= min)) {
            throw new UsageException(name + " must be at least " + min + " s: " + s);
        }
        return Math.round(s * 1e9);
    }

    List<String> list(String name, List<String> fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        List<String> out = java.util.Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (out.isEmpty()) {
            throw new UsageException(name + " needs at least one name");
        }
        return out;
    }
}
