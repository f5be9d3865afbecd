package dev.ringnet.backend.uring;

/**
 * The io_uring ABI numbers ringnet uses, with the kernel's names (include/uapi/linux/io_uring.h).
 * Only what the backend needs; nothing here is configuration.
 */
final class IoUringConstants {
    private IoUringConstants() {}

    // syscall numbers: the same on x86_64 and aarch64 (io_uring came after the generic table).
    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;
    static final long SYS_IO_URING_REGISTER = 427;

    // enum io_uring_op
    static final byte IORING_OP_NOP = 0;
    static final byte IORING_OP_SENDMSG = 9;
    static final byte IORING_OP_RECVMSG = 10;
    static final byte IORING_OP_TIMEOUT = 11;
    static final byte IORING_OP_ACCEPT = 13;
    static final byte IORING_OP_ASYNC_CANCEL = 14;
    static final byte IORING_OP_LINK_TIMEOUT = 15;
    static final byte IORING_OP_CONNECT = 16;
    static final byte IORING_OP_CLOSE = 19;
    static final byte IORING_OP_READ = 22;
    static final byte IORING_OP_WRITE = 23;
    static final byte IORING_OP_SEND = 26;
    static final byte IORING_OP_RECV = 27;
    static final byte IORING_OP_SHUTDOWN = 34;
    static final byte IORING_OP_MSG_RING = 40;
    static final byte IORING_OP_SOCKET = 45;
    static final byte IORING_OP_SEND_ZC = 47;
    static final byte IORING_OP_SENDMSG_ZC = 48;

    // sqe->flags
    static final byte IOSQE_FIXED_FILE = 1;
    static final byte IOSQE_IO_DRAIN = 1 << 1;
    static final byte IOSQE_IO_LINK = 1 << 2;
    static final byte IOSQE_IO_HARDLINK = 1 << 3;
    static final byte IOSQE_ASYNC = 1 << 4;
    static final byte IOSQE_BUFFER_SELECT = 1 << 5;
    static final byte IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // io_uring_setup flags
    static final int IORING_SETUP_CQSIZE = 1 << 3;
    static final int IORING_SETUP_CLAMP = 1 << 4;
    static final int IORING_SETUP_R_DISABLED = 1 << 6;
    static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;

    // io_uring_params->features
    static final int IORING_FEAT_SINGLE_MMAP = 1;
    static final int IORING_FEAT_NODROP = 1 << 1;
    static final int IORING_FEAT_SUBMIT_STABLE = 1 << 2;
    static final int IORING_FEAT_FAST_POLL = 1 << 5;
    static final int IORING_FEAT_EXT_ARG = 1 << 8;
    static final int IORING_FEAT_NATIVE_WORKERS = 1 << 9;
    static final int IORING_FEAT_CQE_SKIP = 1 << 11;
    static final int IORING_FEAT_LINKED_FILE = 1 << 12;
    static final int IORING_FEAT_REG_REG_RING = 1 << 13;

    // io_uring_enter flags
    static final int IORING_ENTER_GETEVENTS = 1;
    static final int IORING_ENTER_EXT_ARG = 1 << 3;
    static final int IORING_ENTER_REGISTERED_RING = 1 << 4;

    // sq_ring->flags
    static final int IORING_SQ_NEED_WAKEUP = 1;
    static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    static final int IORING_SQ_TASKRUN = 1 << 2;

    // mmap offsets
    static final long IORING_OFF_SQ_RING = 0L;
    static final long IORING_OFF_CQ_RING = 0x8000000L;
    static final long IORING_OFF_SQES = 0x10000000L;

    // io_uring_register opcodes
    static final int IORING_REGISTER_PROBE = 8;
    static final int IORING_REGISTER_ENABLE_RINGS = 12;
    static final int IORING_REGISTER_RING_FDS = 20;
    static final int IORING_UNREGISTER_RING_FDS = 21;
    static final int IORING_REGISTER_PBUF_RING = 22;
    static final int IORING_UNREGISTER_PBUF_RING = 23;

    // cancel flags (sqe->cancel_flags)
    static final int IORING_ASYNC_CANCEL_ALL = 1;
    static final int IORING_ASYNC_CANCEL_FD = 1 << 1;
    static final int IORING_ASYNC_CANCEL_ANY = 1 << 2;

    // send/recv ioprio flags
    static final short IORING_RECVSEND_POLL_FIRST = 1;
    static final short IORING_RECV_MULTISHOT = 1 << 1;
    static final short IORING_ACCEPT_MULTISHOT = 1;

    // cqe->flags
    static final int IORING_CQE_F_BUFFER = 1;
    static final int IORING_CQE_F_MORE = 1 << 1;
    static final int IORING_CQE_F_SOCK_NONEMPTY = 1 << 2;
    static final int IORING_CQE_F_NOTIF = 1 << 3;

    // io_uring_probe_op->flags
    static final int IO_URING_OP_SUPPORTED = 1;

    static String opName(int opcode) {
        return switch (opcode) {
            case IORING_OP_NOP -> "NOP";
            case IORING_OP_SENDMSG -> "SENDMSG";
            case IORING_OP_RECVMSG -> "RECVMSG";
            case IORING_OP_TIMEOUT -> "TIMEOUT";
            case IORING_OP_ACCEPT -> "ACCEPT";
            case IORING_OP_ASYNC_CANCEL -> "ASYNC_CANCEL";
            case IORING_OP_LINK_TIMEOUT -> "LINK_TIMEOUT";
            case IORING_OP_CONNECT -> "CONNECT";
            case IORING_OP_CLOSE -> "CLOSE";
            case IORING_OP_READ -> "READ";
            case IORING_OP_WRITE -> "WRITE";
            case IORING_OP_SEND -> "SEND";
            case IORING_OP_RECV -> "RECV";
            case IORING_OP_SHUTDOWN -> "SHUTDOWN";
            case IORING_OP_MSG_RING -> "MSG_RING";
            case IORING_OP_SOCKET -> "SOCKET";
            case IORING_OP_SEND_ZC -> "SEND_ZC";
            case IORING_OP_SENDMSG_ZC -> "SENDMSG_ZC";
            default -> "OP_" + opcode;
        };
    }
}
