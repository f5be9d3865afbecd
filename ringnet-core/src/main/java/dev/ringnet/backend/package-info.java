/**
 * The backend SPI: the completion-based contract ({@link dev.ringnet.backend.Backend}) that
 * io_uring, epoll and {@code java.nio} implement, the {@link dev.ringnet.backend.Op} record an
 * operation lives in, and the {@link dev.ringnet.backend.OpTable} that pools ops, hands out request
 * ids and turns completions into handler calls. Not exported: users see
 * {@code dev.ringnet.loop} and {@code dev.ringnet.net}.
 */
package dev.ringnet.backend;
