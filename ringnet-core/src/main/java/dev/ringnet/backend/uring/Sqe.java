package dev.ringnet.backend.uring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code struct io_uring_sqe}: the 64-byte submission entry. Unions are flattened to the member
 * ringnet writes; the comments name the other members sharing each slot.
 */
final class Sqe {
    private Sqe() {}

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"),
            JAVA_BYTE.withName("flags"),
            JAVA_SHORT.withName("ioprio"),
            JAVA_INT.withName("fd"),
            JAVA_LONG.withName("off"),          // | addr2
            JAVA_LONG.withName("addr"),         // | splice_off_in
            JAVA_INT.withName("len"),
            JAVA_INT.withName("op_flags"),      // rw_flags | msg_flags | accept_flags | cancel_flags | ...
            JAVA_LONG.withName("user_data"),
            JAVA_SHORT.withName("buf_index"),   // | buf_group
            JAVA_SHORT.withName("personality"),
            JAVA_INT.withName("file_index"),    // | splice_fd_in | addr_len
            JAVA_LONG.withName("addr3"),
            JAVA_LONG.withName("pad2"));

    static final long SIZE = LAYOUT.byteSize();
    static final long OPCODE = offset("opcode");
    static final long FLAGS = offset("flags");
    static final long IOPRIO = offset("ioprio");
    static final long FD = offset("fd");
    static final long OFF = offset("off");
    static final long ADDR = offset("addr");
    static final long LEN = offset("len");
    static final long OP_FLAGS = offset("op_flags");
    static final long USER_DATA = offset("user_data");
    static final long BUF_INDEX = offset("buf_index");
    static final long FILE_INDEX = offset("file_index");

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }

    /**
     * Fills the entry at {@code at}, clearing every field not given, so no stale value from the
     * entry's previous use reaches the kernel.
     */
    static void prep(MemorySegment sqes, long at, byte opcode, int fd, long addr, int len, long off, long userData) {
        sqes.set(JAVA_LONG, at, 0L); // opcode, flags, ioprio, fd
        sqes.set(JAVA_BYTE, at + OPCODE, opcode);
        sqes.set(JAVA_INT, at + FD, fd);
        sqes.set(JAVA_LONG, at + OFF, off);
        sqes.set(JAVA_LONG, at + ADDR, addr);
        sqes.set(JAVA_INT, at + LEN, len);
        sqes.set(JAVA_INT, at + OP_FLAGS, 0);
        sqes.set(JAVA_LONG, at + USER_DATA, userData);
        sqes.set(JAVA_LONG, at + BUF_INDEX, 0L); // buf_index, personality, file_index
        sqes.set(JAVA_LONG, at + 48, 0L);
        sqes.set(JAVA_LONG, at + 56, 0L);
    }

    static {
        if (SIZE != 64) {
            throw new AssertionError("io_uring_sqe must be 64 bytes, layout says " + SIZE);
        }
    }
}
