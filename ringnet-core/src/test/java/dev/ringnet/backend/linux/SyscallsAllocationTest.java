package dev.ringnet.backend.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * The hot-path calls allocate nothing on the calling thread once compiled: recv/send with raw
 * addresses, the eventfd value calls, epoll_ctl/epoll_wait and a non-waiting io_uring_enter.
 *
 * <p>Why rounds: the JDK's downcall chain slices the errno capture segment on every call
 * ({@code SharedUtils.checkCaptureSegment}); C2's escape analysis removes that 40-byte object, but
 * until C2 has compiled the caller (interpreter, C1) it is really allocated. So the test runs rounds
 * of {@value #ROUNDS} iterations until one allocates (almost) nothing; a real per-call allocation
 * (boxing, a new segment) would show in every round and fail.
 */
class SyscallsAllocationTest extends LinuxTestBase {
    private static final int ROUNDS = 10_000;
    private static final int MAX_ROUNDS = 60;
    /** "Almost nothing": a stray one-off (a lazily linked call site), nothing per call. */
    private static final long BUDGET = 1024;

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void recvSendAndEventfdAllocateNothing() {
        int[] pair = tcpPair();
        int efd = sys.eventfd(0, LinuxConstants.EFD_NONBLOCK | LinuxConstants.EFD_CLOEXEC);
        ByteBuffer buf = ByteBuffer.allocateDirect(256);
        long addr = MemorySegment.ofBuffer(buf).address();
        try {
            assertSteadyStateAllocatesNothing("send/recv/eventfdWrite/eventfdRead",
                    rounds -> exchange(pair, efd, addr, rounds), 264);
        } finally {
            sys.close(efd);
            sys.close(pair[0]);
            sys.close(pair[1]);
        }
    }

    /**
     * Per round: 2 sends and 2 recvs of 64 bytes (blocking and MSG_DONTWAIT variants), one eventfd
     * write and read; adds 264 per round.
     */
    private long exchange(int[] pair, int efd, long addr, int rounds) {
        long total = 0;
        for (int i = 0; i < rounds; i++) {
            total += sys.send(pair[0], addr, 64, LinuxConstants.MSG_NOSIGNAL);
            total += sys.recv(pair[1], addr + 64, 64, 0);
            total += sys.send(pair[1], addr + 128, 64, LinuxConstants.MSG_NOSIGNAL | LinuxConstants.MSG_DONTWAIT);
            long n;
            while ((n = sys.recv(pair[0], addr + 192, 64, LinuxConstants.MSG_DONTWAIT)) == -Errno.EAGAIN) {
                Thread.onSpinWait();
            }
            total += n;
            total += sys.eventfdWrite(efd, 3) / 2;
            total += sys.eventfdRead(efd) - 3 + 4;
        }
        return total;
    }

    @Test
    void epollAndNonWaitingEnterAllocateNothing() {
        int ep = sys.epollCreate1(LinuxConstants.EPOLL_CLOEXEC);
        int efd = sys.eventfd(0, LinuxConstants.EFD_NONBLOCK | LinuxConstants.EFD_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment events = arena.allocate(LinuxConstants.EPOLL_EVENT, 4);
            MemorySegment params = arena.allocate(LinuxConstants.IO_URING_PARAMS_SIZE, 8);
            int ring = sys.ioUringSetup(4, params); // optional: left out of the loop when unavailable
            try {
                assertThat(sys.epollCtl(ep, LinuxConstants.EPOLL_CTL_ADD, efd, LinuxConstants.EPOLLIN, 1)).isZero();
                assertSteadyStateAllocatesNothing("epoll_ctl/epoll_wait/io_uring_enter",
                        rounds -> poll(ep, efd, ring, events, rounds), 3);
            } finally {
                if (ring >= 0) {
                    sys.close(ring);
                }
            }
        } finally {
            sys.close(efd);
            sys.close(ep);
        }
    }

    /** Adds 3 per round. */
    private long poll(int ep, int efd, int ring, MemorySegment events, int rounds) {
        long total = 0;
        for (int i = 0; i < rounds; i++) {
            sys.eventfdWrite(efd, 1);
            total += sys.epollCtl(ep, LinuxConstants.EPOLL_CTL_MOD, efd, LinuxConstants.EPOLLIN, 2) + 1;
            total += sys.epollWait(ep, events, 4, 0);
            total += LinuxConstants.epollData(events, 0) / 2;
            total += sys.eventfdRead(efd) - 1;
            if (ring >= 0) {
                total += sys.ioUringEnter(ring, 0, 0, LinuxConstants.IORING_ENTER_GETEVENTS, MemorySegment.NULL, 0);
            }
        }
        return total;
    }

    private void assertSteadyStateAllocatesNothing(String what, IntToLongFunction work, long checksumPerRound) {
        List<Long> seen = new ArrayList<>();
        for (int r = 0; r < MAX_ROUNDS; r++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            long sum = work.applyAsLong(ROUNDS);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(sum).as("checksum: every call did its job").isEqualTo(checksumPerRound * ROUNDS);
            seen.add(allocated);
            if (allocated < BUDGET) {
                System.out.println(what + ": bytes allocated per round of " + ROUNDS + " until steady: " + seen);
                return;
            }
        }
        throw new AssertionError(what + ": no round of " + ROUNDS + " iterations stayed under " + BUDGET
                + " bytes allocated; per round: " + seen);
    }
}
