package dev.ringnet.io;

import java.io.IOException;

/**
 * Receives the completion of an operation that produces an object, such as an accepted or
 * connected socket. Same contract as {@link IoHandler}: loop thread, exactly once, and exactly one
 * of {@code result} and {@code error} is non-null.
 *
 * @param <T> the result type
 * @param <A> the attachment type
 */
@FunctionalInterface
public interface ResultHandler<T, A> {
    /**
     * Called once when the operation completes.
     *
     * @param result     the result, null on error
     * @param error      null on success, else why the operation failed
     * @param attachment the object passed when the operation was submitted
     */
    void onComplete(T result, IOException error, A attachment);
}
