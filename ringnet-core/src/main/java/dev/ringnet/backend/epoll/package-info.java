/**
 * The epoll backend: Linux edge-triggered readiness made completion-based, through the FFM system
 * calls of {@link dev.ringnet.backend.linux}. {@link dev.ringnet.backend.epoll.EpollBackend} is the
 * backend, {@link dev.ringnet.backend.epoll.EpollProbe} says whether it can run here. Not exported.
 */
package dev.ringnet.backend.epoll;
