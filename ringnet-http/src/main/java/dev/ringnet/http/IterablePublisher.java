package dev.ringnet.http;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.Flow;

/**
 * Publishes the parts of an {@link Iterable} one per request, on the thread that requests them
 * (for {@link HttpServer}, the connection's loop): each subscriber walks its own iterator.
 */
final class IterablePublisher implements Flow.Publisher<ByteBuffer> {
    private final Iterable<byte[]> parts;

    IterablePublisher(Iterable<byte[]> parts) {
        this.parts = Objects.requireNonNull(parts, "parts");
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        Iterator<byte[]> it;
        try {
            it = parts.iterator();
        } catch (RuntimeException e) {
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {}

                @Override
                public void cancel() {}
            });
            subscriber.onError(e);
            return;
        }
        subscriber.onSubscribe(new Flow.Subscription() {
            private long demand;
            private boolean emitting;
            private boolean done;

            @Override
            public void request(long n) {
                if (done) {
                    return;
                }
                if (n <= 0) {
                    done = true;
                    subscriber.onError(new IllegalArgumentException("request(" + n + ")"));
                    return;
                }
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                if (emitting) {
                    return;
                }
                emitting = true;
                try {
                    while (demand > 0 && !done) {
                        boolean more;
                        byte[] next;
                        try {
                            more = it.hasNext();
                            next = more ? it.next() : null;
                        } catch (RuntimeException e) {
                            done = true;
                            subscriber.onError(e);
                            return;
                        }
                        if (!more) {
                            done = true;
                            subscriber.onComplete();
                            return;
                        }
                        demand--;
                        subscriber.onNext(ByteBuffer.wrap(next));
                    }
                } finally {
                    emitting = false;
                }
            }

            @Override
            public void cancel() {
                done = true;
            }
        });
    }
}
