package dev.ringnet.backend.linux;

import java.io.IOException;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether the Linux native layer ({@link Syscalls}) can be used in this JVM, and which kernel it
 * runs on.
 *
 * <p>Usable means: the OS is Linux, the CPU x86_64 or aarch64, native access is enabled for the
 * module holding this class ({@code --enable-native-access=dev.ringnet.core}, or
 * {@code ALL-UNNAMED} when ringnet runs on the class path), and every libc symbol {@link Syscalls}
 * binds resolves in {@link Linker#defaultLookup()}. The answer is computed once and cached.
 *
 * <p>Thread rules: every method may be called from any thread. Ownership: returned arrays are new
 * and belong to the caller.
 */
public final class LinuxPlatform {
    private LinuxPlatform() {
    }

    /** The libc functions {@link Syscalls} binds. */
    static final List<String> SYMBOLS = List.of(
            "socket", "bind", "listen", "connect", "accept4", "setsockopt", "getsockopt", "getsockname",
            "getpeername", "shutdown", "close", "eventfd", "read", "write", "recv", "send", "syscall", "mmap",
            "munmap", "epoll_create1", "epoll_ctl", "epoll_wait", "recvfrom", "sendto");

    private static final class Lazy {
        static final String REASON = computeUnavailableReason();
    }

    /** Whether the JVM runs on Linux. */
    public static boolean isLinux() {
        return System.getProperty("os.name", "").startsWith("Linux");
    }

    /**
     * Null when {@link Syscalls} is usable; otherwise a sentence saying why not (wrong OS or CPU,
     * native access not enabled and how to enable it, missing libc symbol).
     */
    public static String unavailableReason() {
        return Lazy.REASON;
    }

    /** {@code /proc/sys/kernel/osrelease} ({@code "6.8.0-45-generic"}), or null if unreadable. */
    public static String kernelRelease() {
        if (!isLinux()) {
            return null;
        }
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease"), StandardCharsets.US_ASCII).trim();
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /**
     * {major, minor} of the running kernel ({@code {6, 8}} for {@code "6.8.0-45-generic"}), or
     * {0, 0} if unknown.
     */
    public static int[] kernelVersion() {
        return parseVersion(kernelRelease());
    }

    static int[] parseVersion(String release) {
        int[] v = {0, 0};
        if (release == null) {
            return v;
        }
        int part = 0;
        int i = 0;
        while (part < 2 && i < release.length()) {
            int start = i;
            int n = 0;
            while (i < release.length() && Character.isDigit(release.charAt(i)) && i - start < 9) {
                n = n * 10 + (release.charAt(i) - '0');
                i++;
            }
            if (i == start) {
                break;
            }
            v[part++] = n;
            if (i < release.length() && release.charAt(i) == '.') {
                i++;
            } else {
                break;
            }
        }
        return v;
    }

    private static String computeUnavailableReason() {
        if (!isLinux()) {
            return "not Linux (os.name=" + System.getProperty("os.name") + ")";
        }
        String arch = System.getProperty("os.arch", "");
        if (!(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            return "unsupported CPU architecture " + arch + " (need x86_64 or aarch64)";
        }
        Module module = LinuxPlatform.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            String flag = module.isNamed() ? module.getName() : "ALL-UNNAMED";
            return "native access is not enabled for " + (module.isNamed() ? "module " + flag : "the class path")
                    + "; run java with --enable-native-access=" + flag;
        }
        try {
            SymbolLookup libc = Linker.nativeLinker().defaultLookup();
            for (String symbol : SYMBOLS) {
                if (libc.find(symbol).isEmpty()) {
                    return "libc symbol " + symbol + " not found";
                }
            }
        } catch (UnsupportedOperationException | IllegalCallerException e) {
            return "no native linker: " + e.getMessage();
        }
        return null;
    }
}
