/**
 * The Linux native layer under the io_uring and epoll backends: system calls through the FFM API
 * ({@link dev.ringnet.backend.linux.Syscalls}, one instance per loop thread), errno values and their
 * exceptions ({@link dev.ringnet.backend.linux.Errno}), socket addresses
 * ({@link dev.ringnet.backend.linux.SockAddr}), socket option codes
 * ({@link dev.ringnet.backend.linux.SocketOptionCodes}), ABI constants and the {@code epoll_event}
 * layout ({@link dev.ringnet.backend.linux.LinuxConstants}), and the availability check
 * ({@link dev.ringnet.backend.linux.LinuxPlatform}). Not exported.
 */
package dev.ringnet.backend.linux;
