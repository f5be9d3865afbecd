package dev.ringnet.backend.epoll;

import dev.ringnet.backend.linux.Errno;
import dev.ringnet.backend.linux.LinuxConstants;
import dev.ringnet.backend.linux.LinuxPlatform;
import dev.ringnet.backend.linux.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Finds out once per process whether the epoll backend can run here, and if not, why: not Linux,
 * an unsupported CPU, native access not enabled ({@link LinuxPlatform#unavailableReason()}), or a
 * sandbox refusing {@code epoll_create1}, {@code eventfd} or an edge-triggered registration.
 */
public final class EpollProbe {

    /**
     * The verdict.
     *
     * @param available true if an epoll set with an edge-triggered registration could be made
     * @param detail    what it runs with (kernel), or why not
     */
    public record Support(boolean available, String detail) {}

    /** Probed once, on first use, by the JVM's lazy class initialization (thread-safe by itself). */
    private static final class Verdict {
        static final Support SUPPORT = probe();
    }

    private EpollProbe() {}

    /** The verdict for this process (probed on first call). */
    public static Support support() {
        return Verdict.SUPPORT;
    }

    private static Support probe() {
        String reason = LinuxPlatform.unavailableReason();
        if (reason != null) {
            return new Support(false, reason);
        }
        String kernel = "kernel " + LinuxPlatform.kernelRelease();
        try (Syscalls sys = Syscalls.open(); Arena arena = Arena.ofConfined()) {
            int ep = sys.epollCreate1(LinuxConstants.EPOLL_CLOEXEC);
            if (ep < 0) {
                return new Support(false, kernel + ": epoll_create1 failed: " + Errno.name(-ep));
            }
            int efd = -1;
            try {
                efd = sys.eventfd(0, LinuxConstants.EFD_NONBLOCK | LinuxConstants.EFD_CLOEXEC);
                if (efd < 0) {
                    return new Support(false, kernel + ": eventfd failed: " + Errno.name(-efd));
                }
                int r = sys.epollCtl(ep, LinuxConstants.EPOLL_CTL_ADD, efd, LinuxConstants.EPOLLIN | LinuxConstants.EPOLLET, efd);
                if (r < 0) {
                    return new Support(false, kernel + ": edge-triggered epoll_ctl failed: " + Errno.name(-r));
                }
                MemorySegment events = arena.allocate(LinuxConstants.EPOLL_EVENT, 1);
                r = sys.epollWait(ep, events, 1, 0);
                if (r < 0) {
                    return new Support(false, kernel + ": epoll_wait failed: " + Errno.name(-r));
                }
            } finally {
                if (efd >= 0) {
                    sys.close(efd);
                }
                sys.close(ep);
            }
            return new Support(true, "edge-triggered epoll, " + kernel);
        } catch (RuntimeException | LinkageError e) {
            return new Support(false, "epoll probe failed: " + e);
        }
    }
}
