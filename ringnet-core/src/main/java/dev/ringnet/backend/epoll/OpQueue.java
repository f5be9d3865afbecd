package dev.ringnet.backend.epoll;

import dev.ringnet.backend.Op;

/**
 * A FIFO of ops linked through {@link Op#next}: the ops of one socket direction waiting for
 * readiness, or the ops parked with a result until the next poll. Costs no allocation: the links
 * live in the ops themselves, and an op is in at most one queue at a time.
 *
 * <p>Loop thread only.
 */
final class OpQueue {
    private Op head;
    private Op tail;

    Op head() {
        return head;
    }

    boolean isEmpty() {
        return head == null;
    }

    void append(Op op) {
        op.next = null;
        if (tail == null) {
            head = op;
        } else {
            tail.next = op;
        }
        tail = op;
    }

    /** Removes and returns the head, or null. */
    Op pop() {
        Op op = head;
        if (op != null) {
            head = op.next;
            if (head == null) {
                tail = null;
            }
            op.next = null;
        }
        return op;
    }

    /** Removes {@code op} if it is queued here. O(position), which is 0 or 1 in practice. */
    boolean unlink(Op op) {
        Op prev = null;
        for (Op cur = head; cur != null; prev = cur, cur = cur.next) {
            if (cur != op) {
                continue;
            }
            if (prev == null) {
                head = cur.next;
            } else {
                prev.next = cur.next;
            }
            if (tail == cur) {
                tail = prev;
            }
            cur.next = null;
            return true;
        }
        return false;
    }

    /**
     * Empties the queue and returns its former head: the ops stay linked through {@link Op#next}
     * (the last one's is null), so the caller can walk them while new ones are appended here.
     */
    Op takeAll() {
        Op first = head;
        head = null;
        tail = null;
        return first;
    }
}
