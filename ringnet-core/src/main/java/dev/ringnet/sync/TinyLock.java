package dev.ringnet.sync;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The spin lock behind the primitives' few-instruction critical sections (queue and counter
 * updates; nothing inside ever parks, calls user code or completes a stage).
 *
 * <p>Why not {@code synchronized} or a {@code ReentrantLock}: a loop-affine task is a virtual
 * thread whose only carrier is its loop thread. If such a task blocked on a monitor, or were chosen
 * as the monitor's next owner, while the loop thread itself (running a callback) blocked on the same
 * monitor, the task could never be mounted again to release it: the loop would deadlock. A spin
 * lock never unmounts anyone: its holder is always running on some thread, and a loop thread that
 * spins cannot be waiting for a task of its own loop (that task could only hold the lock while
 * running on this very thread).
 */
final class TinyLock {
    private final AtomicBoolean held = new AtomicBoolean();

    void lock() {
        int spins = 0;
        while (held.get() || !held.compareAndSet(false, true)) {
            if (++spins < 128) {
                Thread.onSpinWait();
            } else {
                spins = 0;
                Thread.yield(); // a long wait: the holder was descheduled; let it run
            }
        }
    }

    void unlock() {
        held.set(false);
    }

    /**
     * Loads and links the classes a critical section allocates, up front: loading one inside could
     * make a virtual thread wait (and unmount) while it holds the lock.
     */
    static void preload(Class<?>... classes) {
        for (Class<?> c : classes) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException impossible) {
                throw new AssertionError(impossible);
            }
        }
    }
}
