/**
 * Synchronization primitives that suspend the caller instead of blocking a thread: usable from
 * tasks ({@link dev.ringnet.loop.IoContext#spawn}, blocking form on a virtual thread), from loop
 * callbacks (callback form, run through the loop), and from {@code CompletionStage} code. None of
 * their callback or stage forms ever blocks, so they are safe on an event loop thread.
 *
 * <p>{@link dev.ringnet.sync.AsyncMutex}, {@link dev.ringnet.sync.AsyncSemaphore},
 * {@link dev.ringnet.sync.Channel}, {@link dev.ringnet.sync.WaitGroup},
 * {@link dev.ringnet.sync.TaskGroup}, {@link dev.ringnet.sync.CancelToken}. See
 * {@code docs/coroutines.md}.
 */
package dev.ringnet.sync;
