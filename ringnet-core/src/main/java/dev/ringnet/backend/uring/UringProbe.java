package dev.ringnet.backend.uring;

import static dev.ringnet.backend.uring.IoUringConstants.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.ringnet.backend.linux.Errno;
import dev.ringnet.backend.linux.LinuxPlatform;
import dev.ringnet.backend.linux.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds out once per process whether io_uring can be used here, and if not, why: not Linux, native
 * access not enabled, the kernel too old, {@code kernel.io_uring_disabled}, a seccomp filter
 * answering EPERM or ENOSYS, or an operation ringnet needs missing from {@code IORING_REGISTER_PROBE}.
 */
public final class UringProbe {
    /** The operations the backend submits; a kernel lacking any of them is not used. */
    private static final byte[] REQUIRED = {
        IORING_OP_RECV, IORING_OP_SEND, IORING_OP_ACCEPT, IORING_OP_CONNECT, IORING_OP_RECVMSG,
        IORING_OP_SENDMSG, IORING_OP_ASYNC_CANCEL, IORING_OP_CLOSE, IORING_OP_READ,
    };
    /** Operations worth reporting when present (used by later features). */
    private static final byte[] OPTIONAL = {IORING_OP_SEND_ZC, IORING_OP_SENDMSG_ZC, IORING_OP_MSG_RING, IORING_OP_SOCKET};

    /**
     * The verdict.
     *
     * @param available true if a ring can be created and has every required operation
     * @param detail    what it runs with (kernel, set-up flags, operations), or why not
     * @param sendZeroCopy whether the kernel has {@code IORING_OP_SEND_ZC}
     */
    public record Support(boolean available, String detail, boolean sendZeroCopy) {
        Support(boolean available, String detail) {
            this(available, detail, false);
        }
    }

    /** Probed once, on first use, by the JVM's lazy class initialization (thread-safe by itself). */
    private static final class Verdict {
        static final Support SUPPORT = probe();
    }

    private UringProbe() {}

    /** The verdict for this process (probed on first call). */
    public static Support support() {
        return Verdict.SUPPORT;
    }

    private static Support probe() {
        String reason = LinuxPlatform.unavailableReason();
        if (reason != null) {
            return new Support(false, reason);
        }
        int[] version = LinuxPlatform.kernelVersion();
        String kernel = "kernel " + LinuxPlatform.kernelRelease();
        if (version[0] < 5 || (version[0] == 5 && version[1] < 19)) {
            return new Support(false, kernel + " is older than 5.19 (ringnet needs IORING_ASYNC_CANCEL_FD)");
        }
        String disabled = readSysctl("/proc/sys/kernel/io_uring_disabled");
        if ("2".equals(disabled)) {
            return new Support(false, "io_uring is disabled by sysctl kernel.io_uring_disabled=2");
        }
        try (Syscalls sys = Syscalls.open(); Ring ring = Ring.open(sys, 8, 16)) {
            List<String> missing = new ArrayList<>();
            List<String> present = new ArrayList<>();
            try (Arena arena = Arena.ofConfined()) {
                int slots = 256;
                MemorySegment probe = arena.allocate(16 + 8L * slots, 8); // io_uring_probe + ops[]
                int res = sys.ioUringRegister(ring.ringFd, IORING_REGISTER_PROBE, probe, slots);
                if (res < 0) {
                    return new Support(false, kernel + ": IORING_REGISTER_PROBE failed: " + Errno.name(-res));
                }
                int opsLen = Byte.toUnsignedInt(probe.get(JAVA_BYTE, 1));
                for (byte op : REQUIRED) {
                    (supported(probe, opsLen, op) ? present : missing).add(opName(op));
                }
                for (byte op : OPTIONAL) {
                    if (supported(probe, opsLen, op)) {
                        present.add(opName(op));
                    }
                }
            }
            if (!missing.isEmpty()) {
                return new Support(false, kernel + " lacks io_uring ops " + String.join(",", missing));
            }
            return new Support(true, kernel + ", " + ring.describeFeatures() + ", ops " + String.join(" ", present),
                    present.contains(opName(IORING_OP_SEND_ZC)));
        } catch (IOException e) {
            String why = e.getMessage();
            if (why != null && why.contains("EPERM")) {
                why += " (blocked by seccomp, or kernel.io_uring_disabled=" + disabled + ")";
            }
            return new Support(false, "io_uring_setup failed: " + why);
        } catch (RuntimeException | LinkageError e) {
            return new Support(false, "io_uring probe failed: " + e);
        }
    }

    private static boolean supported(MemorySegment probe, int opsLen, byte op) {
        if (op >= opsLen) {
            return false;
        }
        long at = 16 + 8L * op; // struct io_uring_probe_op { u8 op; u8 resv; u16 flags; u32 resv2; }
        return (probe.get(JAVA_SHORT, at + 2) & IO_URING_OP_SUPPORTED) != 0;
    }

    private static String readSysctl(String path) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
