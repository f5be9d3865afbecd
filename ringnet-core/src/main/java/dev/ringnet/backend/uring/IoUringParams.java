package dev.ringnet.backend.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code struct io_uring_params} (120 bytes) with its nested {@code io_sqring_offsets} and
 * {@code io_cqring_offsets}: what {@code io_uring_setup(2)} reads (entries, flags) and writes back
 * (features and the offsets of each ring field inside the mmap'd regions).
 */
final class IoUringParams {
    private IoUringParams() {}

    static final StructLayout SQ_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"),
            JAVA_INT.withName("tail"),
            JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("dropped"),
            JAVA_INT.withName("array"),
            JAVA_INT.withName("resv1"),
            JAVA_LONG.withName("user_addr"));

    static final StructLayout CQ_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"),
            JAVA_INT.withName("tail"),
            JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"),
            JAVA_INT.withName("overflow"),
            JAVA_INT.withName("cqes"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("resv1"),
            JAVA_LONG.withName("user_addr"));

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("sq_entries"),
            JAVA_INT.withName("cq_entries"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("sq_thread_cpu"),
            JAVA_INT.withName("sq_thread_idle"),
            JAVA_INT.withName("features"),
            JAVA_INT.withName("wq_fd"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv"),
            SQ_OFFSETS.withName("sq_off"),
            CQ_OFFSETS.withName("cq_off"));

    static final long SQ_ENTRIES = offset("sq_entries");
    static final long CQ_ENTRIES = offset("cq_entries");
    static final long FLAGS = offset("flags");
    static final long FEATURES = offset("features");
    static final long SQ_OFF = offset("sq_off");
    static final long CQ_OFF = offset("cq_off");

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }

    static int sqOff(MemorySegment params, String field) {
        return params.get(JAVA_INT, SQ_OFF + SQ_OFFSETS.byteOffset(PathElement.groupElement(field)));
    }

    static int cqOff(MemorySegment params, String field) {
        return params.get(JAVA_INT, CQ_OFF + CQ_OFFSETS.byteOffset(PathElement.groupElement(field)));
    }

    static {
        if (LAYOUT.byteSize() != 120) {
            throw new AssertionError("io_uring_params must be 120 bytes, layout says " + LAYOUT.byteSize());
        }
    }
}
