/**
 * Timers for the event loop.
 *
 * <p>{@link dev.ringnet.time.TimerQueue} keeps a loop's pending timers in a 4-ary min-heap
 * ordered by deadline and then by insertion order; {@link dev.ringnet.time.Timeout} is both the
 * handle the caller gets back and the heap node, so a pending timer costs one small object and
 * one array slot. The queue is confined to the loop thread; only
 * {@link dev.ringnet.time.Timeout#cancel()} may be called from other threads.
 *
 * <p>Deadlines are absolute, on the {@link java.lang.System#nanoTime()} scale.
 */
package dev.ringnet.time;
