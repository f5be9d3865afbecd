package dev.ringnet.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * What other threads hand to a loop (posted tasks, timers scheduled or cancelled off the loop):
 * many producers, one consumer (the loop thread), unbounded, first in first out per producer, no
 * allocation per element.
 *
 * <p>A producer claims an index with one atomic add on {@code producerIndex} and publishes its element
 * into that index's slot with a release store. Slots live in chunks of {@value #CHUNK}, linked in
 * index order; the producer that first needs a chunk appends it (a CAS on the last chunk's
 * {@code next}), so a chunk is allocated every {@value #CHUNK} elements and nothing per element. The
 * consumer reads slots in index order and drops each chunk once it has read all of it.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>{@code consumerChunk.base <= consumerIndex <= producerIndex}.</li>
 *   <li>Every claimed, unread index lies in a chunk reachable from {@code consumerChunk} through
 *       {@code next} links, which are never cleared; so a producer whose index is older than the
 *       {@code producerChunk} hint finds its chunk from {@code oldestChunk}, the consumer's chunk
 *       as published for producers (its slot is unread, so the consumer cannot be past it).</li>
 *   <li>A slot is written once, by the producer that claimed its index, and read once.</li>
 *   <li>Between a claim and its publication the queue is not empty ({@link #isEmpty()} compares
 *       indexes) although {@link #poll()} returns null: the loop then polls again instead of
 *       sleeping, so an element is never stranded. That is what makes the loop's sleep handshake work:
 *       the loop announces sleep, then reads {@code producerIndex}; a producer claims, then reads the
 *       announcement; both are sequentially consistent, so one of them sees the other.</li>
 * </ul>
 * The producer and consumer fields sit on separate cache lines (the padding classes below), so
 * producers claiming indexes do not slow down the loop's reads.
 */
public final class MpscQueue<E> extends MpscQueueConsumerFields {
    public static final int CHUNK = 512;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle PRODUCER_INDEX;
    private static final VarHandle CONSUMER_INDEX;
    private static final VarHandle NEXT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PRODUCER_INDEX = lookup.findVarHandle(MpscQueueProducerFields.class, "producerIndex", long.class);
            CONSUMER_INDEX = lookup.findVarHandle(MpscQueueConsumerFields.class, "consumerIndex", long.class);
            NEXT = lookup.findVarHandle(Chunk.class, "next", Chunk.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@value #CHUNK} consecutive slots, from index {@code base}. */
    static final class Chunk {
        final long base;
        final Object[] slots = new Object[CHUNK];
        volatile Chunk next;

        Chunk(long base) {
            this.base = base;
        }
    }

    /** An empty queue. */
    public MpscQueue() {
        Chunk first = new Chunk(0);
        producerChunk = first;
        consumerChunk = first;
        oldestChunk = first;
    }

    /** Adds {@code e}; any thread. Lock-free: one atomic add, a chunk append every {@value #CHUNK} elements. */
    public void offer(E e) {
        Objects.requireNonNull(e); // null marks an unfilled slot
        long index = (long) PRODUCER_INDEX.getAndAdd(this, 1L);
        Chunk c = producerChunk;
        if (index < c.base) {
            c = oldestChunk; // we were overtaken since claiming; our slot is unread, so it is reachable from here
        }
        while (index - c.base >= CHUNK) {
            c = nextOf(c);
        }
        SLOT.setRelease(c.slots, (int) (index - c.base), e);
    }

    /** The chunk after {@code c}, appending it if nobody has yet. */
    private Chunk nextOf(Chunk c) {
        Chunk next = c.next;
        if (next != null) {
            return next;
        }
        Chunk fresh = new Chunk(c.base + CHUNK);
        Chunk witness = (Chunk) NEXT.compareAndExchange(c, (Chunk) null, fresh);
        if (witness != null) {
            return witness; // another producer appended first
        }
        producerChunk = fresh; // may race with a later append and move back: only a hint
        return fresh;
    }

    /**
     * The next element, or null if none is ready (the queue is empty, or the next element's producer
     * has claimed its slot but not filled it yet). Consumer thread only.
     */
    @SuppressWarnings("unchecked")
    public E poll() {
        long index = consumerIndex;
        Chunk c = consumerChunk;
        int offset = (int) (index - c.base);
        if (offset == CHUNK) {
            Chunk next = c.next;
            if (next == null) {
                return null; // nothing published past this chunk yet
            }
            consumerChunk = next;
            oldestChunk = next;
            c = next;
            offset = 0;
        }
        E e = (E) SLOT.getAcquire(c.slots, offset);
        if (e == null) {
            return null;
        }
        c.slots[offset] = null;
        CONSUMER_INDEX.setOpaque(this, index + 1);
        return e;
    }

    /**
     * True if no index is claimed and unread. Exact on the consumer thread (sequentially consistent
     * with a producer's claim); a snapshot elsewhere.
     */
    public boolean isEmpty() {
        return (long) CONSUMER_INDEX.getOpaque(this) == producerIndex;
    }

    /** Claimed and unread elements: a snapshot from other threads. */
    public int size() {
        long n = producerIndex - (long) CONSUMER_INDEX.getOpaque(this);
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, n));
    }
}

// The field layout of MpscQueue, by inheritance (superclass fields come first): padding,
// the producers' fields, padding, the consumer's fields, padding.

@SuppressWarnings("unused")
abstract class MpscQueueLeftPad {
    long p00, p01, p02, p03, p04, p05, p06, p07;
}

abstract class MpscQueueProducerFields extends MpscQueueLeftPad {
    /** The next index to claim. */
    volatile long producerIndex;
    /** A hint: the chunk appended last, where most producers' indexes fall. */
    volatile MpscQueue.Chunk producerChunk;
}

@SuppressWarnings("unused")
abstract class MpscQueueMiddlePad extends MpscQueueProducerFields {
    long p10, p11, p12, p13, p14, p15, p16, p17;
}

abstract class MpscQueueConsumerFields extends MpscQueueMiddlePad {
    /** The next index to read; written only by the consumer (opaque, so other threads' size() sees it). */
    long consumerIndex;
    /** The chunk holding {@code consumerIndex} (or ending just before it); consumer only. */
    MpscQueue.Chunk consumerChunk;
    /** Read by producers that fell behind the hint; published with each chunk change. */
    volatile MpscQueue.Chunk oldestChunk;
    @SuppressWarnings("unused")
    long p20, p21, p22, p23, p24, p25, p26, p27;
}
