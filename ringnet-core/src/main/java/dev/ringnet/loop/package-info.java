/**
 * The event loop: {@link dev.ringnet.loop.IoContext} (run, stop, post, timers, spawn), the
 * {@link dev.ringnet.loop.Task} a spawned body returns, and the catalogue of backends
 * ({@link dev.ringnet.loop.Backends}).
 */
package dev.ringnet.loop;
