package dev.ringnet.backend.nio;

import dev.ringnet.backend.Backend.SocketType;
import dev.ringnet.backend.Op;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * The NIO backend's state for one handle: its channel, its selection key and two FIFO queues of
 * waiting ops, one per direction. Invariant: an op is attempted only when it is at the head of its
 * queue (so sends leave in submission order), and the key's interest set has a direction's bit
 * exactly when that direction's queue is non-empty after an attempt would block.
 */
final class NioSocket {
    final int handle;
    final SocketType type;
    final SelectableChannel channel;
    SelectionKey key;
    int interest;
    boolean closed;
    /** A CONNECT has been initiated and waits for OP_CONNECT. */
    boolean connecting;

    private Op readHead, readTail, writeHead, writeTail;

    NioSocket(int handle, SocketType type, SelectableChannel channel) {
        this.handle = handle;
        this.type = type;
        this.channel = channel;
    }

    Op head(boolean read) {
        return read ? readHead : writeHead;
    }

    void append(Op op, boolean read) {
        op.next = null;
        if (read) {
            if (readTail == null) readHead = op; else readTail.next = op;
            readTail = op;
        } else {
            if (writeTail == null) writeHead = op; else writeTail.next = op;
            writeTail = op;
        }
    }

    Op pop(boolean read) {
        Op op = read ? readHead : writeHead;
        if (op != null) {
            Op next = op.next;
            op.next = null;
            if (read) {
                readHead = next;
                if (next == null) readTail = null;
            } else {
                writeHead = next;
                if (next == null) writeTail = null;
            }
        }
        return op;
    }

    /** Unlinks {@code op} if it is queued here; O(queue length), which is 1 in practice. */
    boolean unlink(Op op, boolean read) {
        Op prev = null;
        for (Op cur = head(read); cur != null; prev = cur, cur = cur.next) {
            if (cur != op) {
                continue;
            }
            Op next = cur.next;
            if (prev == null) {
                if (read) readHead = next; else writeHead = next;
            } else {
                prev.next = next;
            }
            if (read ? readTail == cur : writeTail == cur) {
                if (read) readTail = prev; else writeTail = prev;
            }
            cur.next = null;
            return true;
        }
        return false;
    }

    int readBit() {
        return type == SocketType.LISTENER ? SelectionKey.OP_ACCEPT : SelectionKey.OP_READ;
    }

    int writeBit() {
        return connecting ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE;
    }
}
