package dev.ringnet.backend.uring;

import static dev.ringnet.backend.uring.IoUringConstants.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.ringnet.backend.linux.Errno;
import dev.ringnet.backend.linux.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * One io_uring instance: set-up, the mmap'd submission and completion rings, {@code io_uring_enter}
 * and teardown. Knows nothing about sockets or operations: it hands out SQE slots and shows CQEs.
 *
 * <h2>Memory ordering</h2>
 * The kernel is the other party of two single-producer/single-consumer queues. We publish the SQ
 * tail with a release store after filling the entries, and read the SQ head (which the kernel
 * advances) with an acquire load; symmetrically we read the CQ tail with acquire and publish the
 * CQ head with release after reading the entries.
 *
 * <h2>Threads</h2>
 * With {@code IORING_SETUP_SINGLE_ISSUER} only one thread may enter the ring. The ring is created
 * disabled ({@code R_DISABLED}) and enabled by the first {@link #enter} — on the loop thread — so
 * the loop's thread, not the one that happened to create the context, becomes the issuer.
 *
 * <h2>Ownership</h2>
 * The ring owns its fd, its three mappings and a shared {@link Arena} for its small structs;
 * {@link #close()} releases all of them once.
 */
final class Ring implements AutoCloseable {
    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final long GETEVENTS_ARG_SIZE = 24; // struct io_uring_getevents_arg

    final int ringFd;
    final int setupFlags;
    final int features;
    final int sqEntries;
    final int cqEntries;

    private final Syscalls sys;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final long sqRingSize, cqRingSize;
    private final long sqHeadOff, sqTailOff, sqFlagsOff;
    private final long cqHeadOff, cqTailOff, cqesOff, cqOverflowOff;
    private final int sqMask, cqMask;
    private final MemorySegment getEventsArg;
    private final MemorySegment timespec;

    private int sqTail;
    private int sqSubmitted;
    private int cqHead;
    private boolean enabled;
    private int enterFd;
    private int enterFlags;
    private Thread issuer;
    private boolean closed;

    /** Flag sets tried in order: the modern one first, then what older kernels accept. */
    static final int[] SETUP_FLAG_SETS = {
        IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER
                | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED,
        IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN
                | IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP,
    };

    /**
     * Creates a ring with {@code entries} SQEs and {@code cqEntries} CQEs, with the most modern
     * flag set the kernel accepts.
     */
    static Ring open(Syscalls sys, int entries, int cqEntries) throws IOException {
        int lastError = 0;
        boolean singleIssuer = !"false".equalsIgnoreCase(System.getProperty("ringnet.uring.singleIssuer"));
        for (int flags : SETUP_FLAG_SETS) {
            if (!singleIssuer && (flags & IORING_SETUP_SINGLE_ISSUER) != 0) {
                continue; // asked for a ring any thread may drive
            }
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment params = scratch.allocate(IoUringParams.LAYOUT);
                params.set(JAVA_INT, IoUringParams.FLAGS, flags);
                params.set(JAVA_INT, IoUringParams.CQ_ENTRIES, cqEntries);
                int fd = sys.ioUringSetup(entries, params);
                if (fd == -Errno.EINVAL) {
                    lastError = -fd;
                    continue; // an unknown flag on an older kernel: try the next set
                }
                if (fd < 0) {
                    throw Errno.toException(-fd, "io_uring_setup");
                }
                try {
                    return new Ring(sys, fd, params);
                } catch (IOException | RuntimeException e) {
                    sys.close(fd);
                    throw e;
                }
            }
        }
        throw Errno.toException(lastError, "io_uring_setup");
    }

    private Ring(Syscalls sys, int fd, MemorySegment params) throws IOException {
        this.sys = sys;
        this.ringFd = fd;
        this.enterFd = fd;
        this.setupFlags = params.get(JAVA_INT, IoUringParams.FLAGS);
        this.features = params.get(JAVA_INT, IoUringParams.FEATURES);
        this.sqEntries = params.get(JAVA_INT, IoUringParams.SQ_ENTRIES);
        this.cqEntries = params.get(JAVA_INT, IoUringParams.CQ_ENTRIES);
        if ((features & IORING_FEAT_EXT_ARG) == 0) {
            throw new IOException("io_uring lacks IORING_FEAT_EXT_ARG (needs Linux 5.11+)");
        }
        if ((features & IORING_FEAT_NODROP) == 0) {
            throw new IOException("io_uring lacks IORING_FEAT_NODROP (needs Linux 5.5+)");
        }
        long sqArrayOff = IoUringParams.sqOff(params, "array");
        sqRingSize = sqArrayOff + (long) sqEntries * Integer.BYTES;
        cqesOff = IoUringParams.cqOff(params, "cqes");
        cqRingSize = cqesOff + (long) cqEntries * Cqe.SIZE;
        boolean single = (features & IORING_FEAT_SINGLE_MMAP) != 0;
        MemorySegment sq = null, cq = null, entries = null;
        try {
            long size = single ? Math.max(sqRingSize, cqRingSize) : sqRingSize;
            sq = sys.mmap(size, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED | Syscalls.MAP_POPULATE,
                    fd, IORING_OFF_SQ_RING);
            cq = single ? sq : sys.mmap(cqRingSize, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                    Syscalls.MAP_SHARED | Syscalls.MAP_POPULATE, fd, IORING_OFF_CQ_RING);
            entries = sys.mmap((long) sqEntries * Sqe.SIZE, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                    Syscalls.MAP_SHARED | Syscalls.MAP_POPULATE, fd, IORING_OFF_SQES);
        } catch (IOException | RuntimeException e) {
            if (entries != null) sys.munmap(entries);
            if (cq != null && cq != sq) sys.munmap(cq);
            if (sq != null) sys.munmap(sq);
            arena.close();
            throw e;
        }
        sqRing = sq;
        cqRing = cq;
        sqes = entries;
        sqHeadOff = IoUringParams.sqOff(params, "head");
        sqTailOff = IoUringParams.sqOff(params, "tail");
        sqFlagsOff = IoUringParams.sqOff(params, "flags");
        sqMask = sqRing.get(JAVA_INT, IoUringParams.sqOff(params, "ring_mask"));
        cqHeadOff = IoUringParams.cqOff(params, "head");
        cqTailOff = IoUringParams.cqOff(params, "tail");
        cqOverflowOff = IoUringParams.cqOff(params, "overflow");
        cqMask = cqRing.get(JAVA_INT, IoUringParams.cqOff(params, "ring_mask"));
        // The SQ array maps ring positions to SQE indices; ringnet uses the identity, written once.
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(JAVA_INT, sqArrayOff + (long) i * Integer.BYTES, i);
        }
        sqTail = (int) INT.getAcquire(sqRing, sqTailOff);
        sqSubmitted = sqTail;
        cqHead = (int) INT.getAcquire(cqRing, cqHeadOff);
        getEventsArg = arena.allocate(GETEVENTS_ARG_SIZE, 8);
        timespec = arena.allocate(16, 8);
        getEventsArg.set(JAVA_LONG, 16, timespec.address()); // ts; sigmask stays NULL
        enabled = (setupFlags & IORING_SETUP_R_DISABLED) == 0;
    }

    /** The SQ entries as one segment; {@link #nextSqe()} returns offsets into it. */
    MemorySegment sqes() {
        return sqes;
    }

    /** The CQ ring; {@link #cqeOffset(int)} gives an entry's offset in it. */
    MemorySegment cq() {
        return cqRing;
    }

    /** Offset of a free SQE in {@link #sqes()}, or -1 when the SQ is full (submit first). */
    long nextSqe() {
        int head = (int) INT.getAcquire(sqRing, sqHeadOff);
        if (sqTail - head == sqEntries) {
            return -1;
        }
        long at = (long) (sqTail & sqMask) * Sqe.SIZE;
        sqTail++;
        return at;
    }

    /** Free SQE slots right now. */
    int sqSpace() {
        return sqEntries - (sqTail - (int) INT.getAcquire(sqRing, sqHeadOff));
    }

    /** SQEs filled since the last enter. */
    int unsubmitted() {
        return sqTail - sqSubmitted;
    }

    /**
     * Submits what is queued and waits: {@code timeoutNanos} 0 = don't wait, negative = until at
     * least one completion. Returns the kernel's result (SQEs consumed) or -errno; -EINTR and
     * -ETIME are normal wake-ups, not errors.
     */
    int enter(long timeoutNanos) throws IOException {
        if (!enabled) {
            enable();
        }
        int toSubmit = sqTail - sqSubmitted;
        INT.setRelease(sqRing, sqTailOff, sqTail);
        int flags = enterFlags | IORING_ENTER_GETEVENTS;
        int res;
        if (timeoutNanos == 0) {
            res = sys.ioUringEnterRaw(enterFd, toSubmit, 0, flags, MemorySegment.NULL, 0);
        } else if (timeoutNanos < 0) {
            res = sys.ioUringEnterRaw(enterFd, toSubmit, 1, flags, MemorySegment.NULL, 0);
        } else {
            timespec.set(JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
            timespec.set(JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
            res = sys.ioUringEnterRaw(enterFd, toSubmit, 1, flags | IORING_ENTER_EXT_ARG, getEventsArg, GETEVENTS_ARG_SIZE);
        }
        if (res == -1) {
            // Failed, errno unknown (see ioUringEnterRaw). Usually a wait that timed out or was
            // interrupted, with nothing consumed; ask again without waiting, this time with errno.
            res = sys.ioUringEnter(enterFd, toSubmit, 0, flags, MemorySegment.NULL, 0);
        }
        if (res > 0) {
            sqSubmitted += res; // SQEs the kernel consumed; the rest stay queued for the next enter
        }
        return res;
    }

    /** Enables a ring created disabled, making the calling thread its single issuer, and registers its fd. */
    private void enable() throws IOException {
        int res = sys.ioUringRegister(ringFd, IORING_REGISTER_ENABLE_RINGS, MemorySegment.NULL, 0);
        if (res < 0) {
            throw Errno.toException(-res, "io_uring_register(ENABLE_RINGS)");
        }
        enabled = true;
        issuer = Thread.currentThread();
        // A registered ring fd saves the kernel an fd lookup per enter. It is per thread, so it is
        // registered by the issuer; failure only costs that lookup.
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment update = scratch.allocate(16, 8); // struct io_uring_rsrc_update
            update.set(JAVA_INT, 0, -1);                    // offset: any free slot
            update.set(JAVA_LONG, 8, ringFd);               // data: the fd
            int r = sys.ioUringRegister(ringFd, IORING_REGISTER_RING_FDS, update, 1);
            if (r == 1) {
                enterFd = update.get(JAVA_INT, 0);
                enterFlags = IORING_ENTER_REGISTERED_RING;
            }
        }
    }

    /** The single issuer once the ring is enabled, or null (not enabled yet, or not single-issuer). */
    Thread issuer() {
        return (setupFlags & IORING_SETUP_SINGLE_ISSUER) != 0 ? issuer : null;
    }

    /** True if this thread may enter the ring (it is the issuer, or no issuer is fixed yet). */
    boolean mayEnter() {
        return !enabled || issuer == null || issuer == Thread.currentThread()
                || (setupFlags & IORING_SETUP_SINGLE_ISSUER) == 0;
    }

    /** Completions waiting to be read. */
    int cqReady() {
        return (int) INT.getAcquire(cqRing, cqTailOff) - cqHead;
    }

    /** Offset in {@link #cq()} of the i-th unread completion. */
    long cqeOffset(int i) {
        return cqesOff + (long) ((cqHead + i) & cqMask) * Cqe.SIZE;
    }

    /** Marks {@code n} completions read, returning their slots to the kernel. */
    void cqAdvance(int n) {
        cqHead += n;
        INT.setRelease(cqRing, cqHeadOff, cqHead);
    }

    /** True when the kernel holds completions that did not fit the CQ (flushed by the next enter). */
    boolean cqOverflowed() {
        return ((int) INT.getAcquire(sqRing, sqFlagsOff) & IORING_SQ_CQ_OVERFLOW) != 0;
    }

    /** Completions the kernel had to drop (never with FEAT_NODROP, kept for diagnostics). */
    int cqOverflowCount() {
        return (int) INT.getAcquire(cqRing, cqOverflowOff);
    }

    boolean singleIssuer() {
        return (setupFlags & IORING_SETUP_SINGLE_ISSUER) != 0;
    }

    boolean registeredFd() {
        return (enterFlags & IORING_ENTER_REGISTERED_RING) != 0;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        sys.munmap(sqes);
        if (cqRing != sqRing) {
            sys.munmap(cqRing);
        }
        sys.munmap(sqRing);
        sys.close(ringFd); // the kernel cancels whatever is still in flight
        arena.close();
    }

    /** Describes the set-up for logs: sizes, then {@link #describeFeatures()}. */
    String describeSetup() {
        return "sq=" + sqEntries + " cq=" + cqEntries + " " + describeFeatures();
    }

    /** The set-up flags and kernel features in use, for {@code bin/ringnet info}. */
    String describeFeatures() {
        StringBuilder sb = new StringBuilder();
        if ((setupFlags & IORING_SETUP_SINGLE_ISSUER) != 0) sb.append(" SINGLE_ISSUER");
        if ((setupFlags & IORING_SETUP_DEFER_TASKRUN) != 0) sb.append(" DEFER_TASKRUN");
        if ((setupFlags & IORING_SETUP_COOP_TASKRUN) != 0) sb.append(" COOP_TASKRUN");
        if ((setupFlags & IORING_SETUP_SUBMIT_ALL) != 0) sb.append(" SUBMIT_ALL");
        if ((features & IORING_FEAT_SINGLE_MMAP) != 0) sb.append(" SINGLE_MMAP");
        if ((features & IORING_FEAT_NODROP) != 0) sb.append(" NODROP");
        if ((features & IORING_FEAT_FAST_POLL) != 0) sb.append(" FAST_POLL");
        if ((features & IORING_FEAT_EXT_ARG) != 0) sb.append(" EXT_ARG");
        if (registeredFd()) sb.append(" REGISTERED_RING");
        return sb.toString().trim();
    }
}
