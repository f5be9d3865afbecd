package dev.ringnet.http;

import java.util.concurrent.Flow;

/**
 * A response waiting for its turn on a connection: responses leave in request order, so one
 * that is ready waits behind an earlier one that is not. The common case (a response ready at
 * once with nothing queued before it) never makes one; async, blocking and streaming handlers,
 * pipelined requests behind them, and interim {@code 100 Continue} responses do. Loop thread only.
 */
final class Exchange {
    /** Request flags: the request is HEAD. */
    static final int F_HEAD = 1;
    /** Request flags: the client keeps the connection. */
    static final int F_KEEP_ALIVE = 2;
    /** Request flags: HTTP/1.0. */
    static final int F_HTTP10 = 4;

    final int flags;
    Exchange next;

    /** The response (or error, or interim) may be written when its turn comes. */
    boolean ready;
    /** An interim {@code 100 Continue}, not a response. */
    boolean interim;
    HttpResponse response;
    RouteTable.Fixed fixed;
    int errorStatus;

    /** The request body of a streaming route, fed while the handler runs. */
    BodyStream requestBody;

    // a chunked response in progress
    boolean streamStarted;
    boolean streamDone;
    boolean chunkedEncoding;
    boolean closeAfter;
    boolean wantMore;
    Flow.Subscription subscription;

    Exchange(int flags) {
        this.flags = flags;
    }
}
