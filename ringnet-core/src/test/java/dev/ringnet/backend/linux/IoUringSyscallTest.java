package dev.ringnet.backend.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The three io_uring system calls through the variadic {@code syscall} downcall, and mmap. */
class IoUringSyscallTest extends LinuxTestBase {
    // struct io_uring_params: 10 u32 (sq_entries .. resv[3]), then io_sqring_offsets, io_cqring_offsets
    private static final long SQ_ENTRIES = 0;
    private static final long CQ_ENTRIES = 4;
    private static final long SQ_OFF = 40;
    private static final long SQ_OFF_RING_ENTRIES = SQ_OFF + 12;
    private static final long SQ_OFF_ARRAY = SQ_OFF + 24;

    @Test
    void setupMapEnterRegisterAndClose() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(LinuxConstants.IO_URING_PARAMS_SIZE, 8);
            int fd = sys.ioUringSetup(8, params);
            if (fd < 0) {
                abort("io_uring_setup(8) failed with " + Errno.name(-fd) + " (" + Errno.description(-fd)
                        + "): io_uring unavailable here (kernel " + LinuxPlatform.kernelRelease()
                        + ", seccomp or kernel.io_uring_disabled?)");
            }
            try {
                int sqEntries = params.get(ValueLayout.JAVA_INT, SQ_ENTRIES);
                assertThat(sqEntries).isEqualTo(8);
                assertThat(params.get(ValueLayout.JAVA_INT, CQ_ENTRIES)).isEqualTo(16);
                long size = params.get(ValueLayout.JAVA_INT, SQ_OFF_ARRAY) + sqEntries * 4L;
                MemorySegment sq = sys.mmap(size, LinuxConstants.PROT_READ | LinuxConstants.PROT_WRITE,
                        LinuxConstants.MAP_SHARED | LinuxConstants.MAP_POPULATE, fd, LinuxConstants.IORING_OFF_SQ_RING);
                try {
                    assertThat(sq.byteSize()).isEqualTo(size);
                    int ringEntriesOff = params.get(ValueLayout.JAVA_INT, SQ_OFF_RING_ENTRIES);
                    assertThat(sq.get(ValueLayout.JAVA_INT, ringEntriesOff)).as("sq ring_entries in the mapped ring")
                            .isEqualTo(sqEntries);
                } finally {
                    assertThat(sys.munmap(sq)).isZero();
                }

                // nothing to submit, nothing to wait for: a non-waiting (critical) enter
                assertThat(sys.ioUringEnter(fd, 0, 0, LinuxConstants.IORING_ENTER_GETEVENTS, MemorySegment.NULL, 0))
                        .isZero();
                // a waiting enter with a 1 ms timeout: -ETIME (the extended-argument form)
                MemorySegment ts = arena.allocate(16, 8);
                ts.set(ValueLayout.JAVA_LONG, 0, 0);
                ts.set(ValueLayout.JAVA_LONG, 8, 1_000_000);
                MemorySegment arg = arena.allocate(24, 8); // struct io_uring_getevents_arg
                arg.set(ValueLayout.JAVA_LONG, 16, ts.address());
                int r = sys.ioUringEnter(fd, 0, 1,
                        LinuxConstants.IORING_ENTER_GETEVENTS | LinuxConstants.IORING_ENTER_EXT_ARG, arg, 24);
                assertThat(r).as("enter: %s", Errno.name(r)).isIn(-Errno.ETIME, -Errno.EINVAL);

                assertThat(sys.ioUringRegister(fd, 9999, MemorySegment.NULL, 0)).isEqualTo(-Errno.EINVAL);
                assertThat(sys.ioUringEnter(-1, 0, 0, 0, MemorySegment.NULL, 0)).isEqualTo(-Errno.EBADF);
            } finally {
                assertThat(sys.close(fd)).isZero();
            }
        }
    }

    @Test
    void setupRejectsBadArguments() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(LinuxConstants.IO_URING_PARAMS_SIZE, 8);
            int fd = sys.ioUringSetup(0, params);
            assertThat(fd).as("0 entries").isIn(-Errno.EINVAL, -Errno.EPERM, -Errno.ENOSYS);
            assertThatThrownBy(() -> sys.ioUringSetup(8, params.asSlice(0, 64)))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void anonymousMmapAndMunmap() throws IOException {
        MemorySegment m = sys.mmap(1 << 16, LinuxConstants.PROT_READ | LinuxConstants.PROT_WRITE,
                LinuxConstants.MAP_PRIVATE | LinuxConstants.MAP_ANONYMOUS, -1, 0);
        try {
            assertThat(m.byteSize()).isEqualTo(1 << 16);
            assertThat(m.address() % 4096).isZero();
            assertThat(m.get(ValueLayout.JAVA_LONG, 8)).as("anonymous memory is zeroed").isZero();
            m.set(ValueLayout.JAVA_LONG, (1 << 16) - 8, 0x1122334455667788L);
            assertThat(m.get(ValueLayout.JAVA_LONG, (1 << 16) - 8)).isEqualTo(0x1122334455667788L);
        } finally {
            assertThat(sys.munmap(m)).isZero();
        }
    }

    @Test
    void mmapFailureIsAnIoExceptionNamingTheErrno() {
        assertThatThrownBy(() -> sys.mmap(4096, LinuxConstants.PROT_READ, LinuxConstants.MAP_SHARED, -1, 0))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("EBADF");
    }
}
