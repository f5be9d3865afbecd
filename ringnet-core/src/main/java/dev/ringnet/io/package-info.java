/**
 * Completion handlers and the errors operations complete with, shared by every ringnet API.
 *
 * <p>Every asynchronous operation completes exactly once, on its event loop's thread, through one
 * of the handler types here (the callback form) or through a {@link java.util.concurrent.CompletionStage}
 * or a blocking call built on the same completion.
 */
package dev.ringnet.io;
