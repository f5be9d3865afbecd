package dev.ringnet.http;

import static dev.ringnet.http.Exchange.F_HEAD;
import static dev.ringnet.http.Exchange.F_HTTP10;
import static dev.ringnet.http.Exchange.F_KEEP_ALIVE;
import static dev.ringnet.http.HttpResponseEncoder.CONNECTION_CLOSE;
import static dev.ringnet.http.HttpResponseEncoder.CONNECTION_DEFAULT;
import static dev.ringnet.http.HttpResponseEncoder.CONNECTION_KEEP_ALIVE;

import dev.ringnet.io.IoHandler;
import dev.ringnet.io.OperationCancelledException;
import dev.ringnet.io.OperationTimeoutException;
import dev.ringnet.io.ReceiveHandler;
import dev.ringnet.net.TcpSocket;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;

/**
 * One HTTP/1.1 connection, driven entirely on its loop's thread.
 *
 * <h2>Receiving</h2>
 * One multishot receive ({@code recvMany}) for the connection's life. Each chunk the loop lends
 * is parsed where it lies; only the bytes the parser still needs at the end of the chunk (the
 * start of an incomplete head or trailer section, or bytes left unparsed while paused) are
 * copied into a {@code tail} buffer taken from the loop's pool, which goes back to the pool as
 * soon as it is empty: an idle connection holds no buffer. Every complete request in a chunk is
 * handled before the chunk is released (pipelining).
 *
 * <h2>Sending</h2>
 * Responses are appended to one output segment (pooled, 16 KiB) and the segment goes out with
 * one {@code sendAll} when the chunk has been handled: a pipelined batch costs one send. While a
 * send is in flight, new responses go to the next segment. Responses keep request order through
 * a queue of {@link Exchange}s, used only when something is not ready at once.
 *
 * <h2>Back-pressure</h2>
 * Receiving pauses (the multishot receive is cancelled, and re-armed later) while too many
 * requests wait for their responses, while too many response bytes wait to be sent, or while a
 * streaming handler has too many body bytes unread.
 */
final class HttpConnection {
    private static final System.Logger LOG = HttpServer.LOG;

    static final ReceiveHandler<HttpConnection> ON_RECEIVE = (data, error, c) -> {
        try {
            c.onReceive(data, error);
        } catch (RuntimeException | Error e) {
            c.failed(e);
        }
    };
    static final IoHandler<HttpConnection> ON_SENT = (n, error, c) -> {
        try {
            c.onSent(error);
        } catch (RuntimeException | Error e) {
            c.failed(e);
        }
    };

    private static final int P_PIPELINE = 1;
    private static final int P_OUTPUT = 2;
    private static final int P_STREAM = 4;
    private static final long OUTPUT_HIGH = 1 << 20;
    private static final long OUTPUT_LOW = 256 << 10;
    private static final int TE_CHUNKED_LENGTH = "Transfer-Encoding: chunked\r\n".length();
    private static final byte[] TEXT_PLAIN = "text/plain".getBytes(StandardCharsets.US_ASCII);
    private static final HttpResponse SERVER_ERROR = HttpResponse.text(500, "500 Internal Server Error\n");

    final HttpWorker worker;
    final TcpSocket socket;
    private final HttpRequestParser parser;

    // links of the worker's lists
    HttpConnection prevConn;
    HttpConnection nextConn;
    HttpConnection timerPrev;
    HttpConnection timerNext;
    int timerKind;
    long deadline;

    // receiving
    private long recvId;
    private boolean recvArmed;
    private boolean eof;
    private ByteBuffer tail;
    private int tailEnd;
    private int pauseReasons;
    private boolean stopParsing;
    private int requestSeq;
    private int timerSeq;

    // the request being parsed
    private RouteTable.Route route;
    private HttpRequest request;
    private Exchange streaming;
    private boolean headDone;
    private int flags;

    // responses
    private Exchange first;
    private Exchange last;
    private int pending;
    private ByteBuffer out;
    private ArrayDeque<ByteBuffer> queued;
    private ByteBuffer sending;

    // ending
    private boolean closing;
    private boolean closeAnnounced;
    private boolean lingering;
    private boolean closed;
    private volatile InetSocketAddress remote;

    HttpConnection(HttpWorker worker, TcpSocket socket) {
        this.worker = worker;
        this.socket = socket;
        this.parser = new HttpRequestParser(worker.server.limits());
    }

    void start() {
        worker.setTimer(this, HttpWorker.T_HEADER, System.nanoTime());
        armRecv();
    }

    private void armRecv() {
        recvArmed = true;
        recvId = socket.recvMany(ON_RECEIVE, this);
    }

    // =====================================================================================
    // receiving and parsing
    // =====================================================================================

    private void onReceive(ByteBuffer data, IOException error) {
        if (data == null) {
            recvArmed = false;
            receiveEnded(error);
            return;
        }
        if (closed || lingering || stopParsing) {
            return; // the connection only waits to close: input is discarded
        }
        worker.nowMillis = System.currentTimeMillis();
        if (tail == null && pauseReasons == 0) {
            ByteBuffer scratch = worker.scratch(data.remaining());
            int end = data.remaining();
            scratch.put(0, data, data.position(), end);
            if (parser.position() != 0) {
                parser.rebase(0);
            }
            parseAll(scratch, end);
            if (!closed && !stopParsing) {
                keepRest(scratch, end);
            }
        } else {
            appendToTail(data);
            if (pauseReasons == 0) {
                parseAll(tail, tailEnd);
                compactTail();
            }
        }
        afterBatch();
    }

    /** After parsing a lent chunk: copies what the parser still needs into the tail. */
    private void keepRest(ByteBuffer data, int end) {
        int keep = parser.retainFrom();
        if (keep >= end) {
            return;
        }
        int n = end - keep;
        ByteBuffer t = worker.acquireTail(n);
        t.put(0, data, keep, n);
        tail = t;
        tailEnd = n;
        parser.shift(keep);
    }

    private void appendToTail(ByteBuffer data) {
        int n = data.remaining();
        if (tail == null) {
            parser.rebase(0);
            tail = worker.acquireTail(n);
            tailEnd = 0;
        }
        if (tail.capacity() - tailEnd < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(tailEnd + n, 2 * tail.capacity()));
            bigger.put(0, tail, 0, tailEnd);
            worker.releaseTail(tail);
            tail = bigger;
        }
        tail.put(tailEnd, data, data.position(), n);
        tailEnd += n;
    }

    /** After parsing the tail: drops what the parser no longer needs; releases an empty tail. */
    private void compactTail() {
        ByteBuffer t = tail;
        if (t == null) {
            return;
        }
        int keep = closed || stopParsing ? tailEnd : parser.retainFrom();
        if (keep >= tailEnd) {
            worker.releaseTail(t);
            tail = null;
            tailEnd = 0;
            return;
        }
        if (keep > 0) {
            t.limit(tailEnd).position(keep);
            t.compact();
            t.clear();
            parser.shift(keep);
            tailEnd -= keep;
        }
    }

    private void parseAll(ByteBuffer buf, int end) {
        while (pauseReasons == 0 && !stopParsing && !closed) {
            switch (parser.parse(buf, end)) {
                case HttpRequestParser.NEED_MORE -> {
                    return;
                }
                case HttpRequestParser.HEAD_COMPLETE -> onHead(buf, end);
                case HttpRequestParser.BODY_DATA -> onBody(buf);
                case HttpRequestParser.MESSAGE_COMPLETE -> onMessage(buf);
                default -> {
                    onParseError(parser.errorStatus());
                    return;
                }
            }
        }
    }

    private void onHead(ByteBuffer buf, int end) {
        HttpRequestParser p = parser;
        requestSeq++;
        headDone = true;
        int m = p.method();
        int f = 0;
        if (m == HttpMethod.HEAD) {
            f |= F_HEAD;
        }
        if (p.keepAlive()) {
            f |= F_KEEP_ALIVE;
        }
        if (p.version() == HttpRequestParser.VERSION_1_0) {
            f |= F_HTTP10;
        }
        flags = f;
        long bounds = RouteTable.pathBounds(buf, p);
        int pathStart = (int) (bounds >> 32);
        int pathEnd = (int) bounds;
        RouteTable.Route r = m == HttpMethod.CONNECT ? worker.routes.connect
                : worker.routes.match(buf, m, p.methodOffset(), p.methodLength(), pathStart, pathEnd, worker.bounds);
        route = r;
        if (r.kind != Router.Kind.FIXED) {
            request = HttpRequest.fromHead(this, buf, p, pathStart, pathEnd, r.paramNames, worker.bounds);
        }
        if (p.expectContinue() && p.hasBody() && p.position() == end) {
            sendContinue(); // the client waits for it; if body bytes are here already it did not
        }
        if (r.kind == Router.Kind.STREAMING) {
            BodyStream s = new BodyStream(this);
            request.attachStream(s);
            if (!p.hasBody()) {
                s.end();
            }
            Exchange x = enqueue(new Exchange(f));
            x.requestBody = s;
            streaming = x;
            dispatchBlocking(x, r.handler, request);
        }
    }

    private void onBody(ByteBuffer buf) {
        RouteTable.Route r = route;
        if (r.kind == Router.Kind.FIXED) {
            return; // read and discarded
        }
        int off = parser.bodyOffset();
        int len = parser.bodyLength();
        if (r.kind == Router.Kind.STREAMING) {
            byte[] copy = new byte[len];
            buf.get(off, copy);
            if (streaming.requestBody.offer(copy)) {
                pause(P_STREAM);
            }
            return;
        }
        request.appendBody(buf, off, len);
    }

    private void onMessage(ByteBuffer buf) {
        RouteTable.Route r = route;
        HttpRequest req = request;
        int f = flags;
        if (req != null && parser.trailerCount() > 0) {
            req.copyTrailers(buf, parser);
        }
        route = null;
        request = null;
        headDone = false;
        parser.nextRequest();
        if ((f & F_KEEP_ALIVE) == 0 || worker.draining) {
            stopParsing = true;
        }
        switch (r.kind) {
            case FIXED -> {
                if (first == null) {
                    writeFixed(r.fixed, f, true);
                } else {
                    Exchange x = enqueue(new Exchange(f));
                    x.fixed = r.fixed;
                    x.ready = true;
                }
            }
            case LOOP -> {
                HttpResponse response;
                try {
                    response = r.handler.handle(req);
                } catch (Throwable t) {
                    LOG.log(System.Logger.Level.WARNING, "handler failed for " + req, t);
                    response = SERVER_ERROR;
                }
                respond(response == null ? nullResponse(req) : response, f);
            }
            case ASYNC -> {
                Exchange x = enqueue(new Exchange(f));
                try {
                    CompletionStage<HttpResponse> stage = r.async.handle(req);
                    if (stage == null) {
                        completed(x, null, new NullPointerException("the handler returned no stage"), req);
                    } else {
                        stage.whenComplete((response, error) -> complete(x, response, error, req));
                    }
                } catch (Throwable t) {
                    completed(x, null, t, req);
                }
            }
            case BLOCKING -> dispatchBlocking(enqueue(new Exchange(f)), r.handler, req);
            case STREAMING -> {
                streaming.requestBody.end();
                streaming = null;
            }
        }
        if (pending >= worker.server.maxPipelinedRequests()) {
            pause(P_PIPELINE);
        }
    }

    private static HttpResponse nullResponse(HttpRequest req) {
        LOG.log(System.Logger.Level.WARNING, "handler returned no response for {0}", req);
        return SERVER_ERROR;
    }

    private void onParseError(int status) {
        stopParsing = true;
        headDone = false;
        route = null;
        request = null;
        Exchange s = streaming;
        streaming = null;
        if (s != null && !s.ready) {
            // the streaming handler's request is broken: answer it with the error instead
            s.requestBody.fail(new IOException("invalid request body (" + status + ")"));
            s.errorStatus = status;
            s.ready = true;
            pump();
            return;
        }
        if (s != null) {
            s.requestBody.fail(new IOException("invalid request body (" + status + ")"));
        }
        if (first == null) {
            writeError(status);
        } else {
            Exchange x = enqueue(new Exchange(0));
            x.errorStatus = status;
            x.ready = true;
        }
    }

    private void receiveEnded(IOException error) {
        if (closed) {
            return;
        }
        if (error == null) { // end of stream
            eof = true;
            if (lingering) {
                close();
                return;
            }
            Exchange s = streaming;
            if (s != null) {
                streaming = null;
                s.requestBody.fail(new EOFException("the client closed the connection"));
            }
            stopParsing = true;
            if (first == null) {
                if (sending == null && outEmpty()) {
                    close();
                    return;
                }
                closing = true; // once the last response is out
            }
            updateTimer();
            return;
        }
        if (error instanceof OperationCancelledException && !(error instanceof OperationTimeoutException)) {
            // our own cancel, to pause receiving
            if ((pauseReasons == 0 && !stopParsing) || lingering) {
                armRecv();
            }
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "receive failed: {0}", error);
        close();
    }

    // =====================================================================================
    // handlers and the response queue
    // =====================================================================================

    private Exchange enqueue(Exchange x) {
        if (last == null) {
            first = x;
        } else {
            last.next = x;
        }
        last = x;
        pending++;
        return x;
    }

    private Exchange pop() {
        Exchange x = first;
        first = x.next;
        if (first == null) {
            last = null;
        }
        x.next = null;
        pending--;
        return x;
    }

    private void respond(HttpResponse response, int f) {
        if (first == null && !response.isChunked()) {
            writeResponse(response, f, true);
        } else {
            Exchange x = enqueue(new Exchange(f));
            x.response = response;
            x.ready = true;
            pump();
        }
    }

    private void dispatchBlocking(Exchange x, HttpHandler handler, HttpRequest req) {
        try {
            // Off the loop: a blocking handler may block in ways (files, JDBC drivers, native code)
            // that would hold the worker's loop thread if it ran as a loop-affine task.
            worker.loop.spawnOffLoop(() -> {
                HttpResponse response = null;
                Throwable error = null;
                try {
                    response = handler.handle(req);
                } catch (Throwable t) {
                    error = t;
                }
                complete(x, response, error, req);
                return null;
            });
        } catch (RuntimeException e) {
            completed(x, null, e, req);
        }
    }

    /** Any thread: a handler's response is ready. */
    private void complete(Exchange x, HttpResponse response, Throwable error, HttpRequest req) {
        if (worker.loop.inEventLoop()) {
            completed(x, response, error, req);
            return;
        }
        try {
            worker.loop.post(() -> completed(x, response, error, req));
        } catch (RejectedExecutionException loopClosed) {
            // the loop is gone, and the connection with it
        }
    }

    private void completed(Exchange x, HttpResponse response, Throwable error, HttpRequest req) {
        if (x.ready || closed) {
            return;
        }
        if (error != null) {
            LOG.log(System.Logger.Level.WARNING, "handler failed for " + req, error);
            response = SERVER_ERROR;
        } else if (response == null) {
            response = nullResponse(req);
        }
        x.response = response;
        x.ready = true;
        if (x.requestBody != null) {
            x.requestBody.abandon(); // the handler is done: what is left of the body is discarded
            resume(P_STREAM);
        }
        pump();
        maybeResume();
        afterBatch();
    }

    /** Writes the ready responses at the head of the queue, in order. */
    private void pump() {
        while (!closed && !closing) {
            Exchange x = first;
            if (x == null) {
                return;
            }
            if (x.interim) {
                pop();
                ByteBuffer o = outFor(25);
                HttpResponseEncoder.continue100(o);
                continue;
            }
            if (!x.ready) {
                return;
            }
            if (x.response != null && x.response.isChunked() && x.errorStatus == 0) {
                if (!x.streamStarted) {
                    startStream(x);
                }
                if (!x.streamDone) {
                    return;
                }
                pop();
                if (x.closeAfter) {
                    closing = true;
                }
                continue;
            }
            pop();
            if (x.errorStatus != 0) {
                writeError(x.errorStatus);
            } else if (x.fixed != null) {
                writeFixed(x.fixed, x.flags, first == null);
            } else {
                writeResponse(x.response, x.flags, first == null);
            }
        }
    }

    private void sendContinue() {
        if (first == null) {
            ByteBuffer o = outFor(25);
            HttpResponseEncoder.continue100(o);
        } else {
            Exchange x = enqueue(new Exchange(0));
            x.interim = true;
            x.ready = true;
        }
    }

    // =====================================================================================
    // encoding
    // =====================================================================================

    /** The Connection mode of a response; {@code last} if no response can follow it. */
    private int connectionMode(int f, boolean last) {
        if ((f & F_KEEP_ALIVE) == 0 || (last && stopParsing)) {
            return CONNECTION_CLOSE;
        }
        return (f & F_HTTP10) != 0 ? CONNECTION_KEEP_ALIVE : CONNECTION_DEFAULT;
    }

    private void writeFixed(RouteTable.Fixed fixed, int f, boolean last) {
        int mode = connectionMode(f, last);
        PreEncodedResponse pre = fixed.byMode[mode];
        long now = worker.nowMillis;
        if ((f & F_HEAD) != 0) {
            pre.writeHeadTo(outFor(pre.headLength()), worker.date, now);
        } else {
            pre.writeTo(outFor(pre.length()), worker.date, now);
        }
        if (mode == CONNECTION_CLOSE) {
            closing = true;
            closeAnnounced = true;
        }
    }

    private void writeResponse(HttpResponse r, int f, boolean last) {
        int mode = connectionMode(f, last);
        int status = r.status();
        boolean bodyAllowed = r.bodyAllowed();
        byte[] body = r.body();
        long length = bodyAllowed ? body.length : -1;
        int headLength = worker.encoder.headLength(status, r.contentTypeBytes(), length, mode) + r.headersLength();
        boolean withBody = (f & F_HEAD) == 0 && bodyAllowed && body.length > 0;
        boolean inline = withBody && headLength + body.length <= HttpWorker.SEGMENT;
        ByteBuffer o = outFor(inline ? headLength + body.length : headLength);
        writeHead(o, r, length, mode, false);
        if (inline) {
            o.put(body);
        } else if (withBody) {
            writeBytes(ByteBuffer.wrap(body));
        }
        if (mode == CONNECTION_CLOSE) {
            closing = true;
            closeAnnounced = true;
        }
    }

    private void writeHead(ByteBuffer o, HttpResponse r, long contentLength, int mode, boolean chunked) {
        int status = r.status();
        HttpResponseEncoder.statusLine(o, status);
        worker.encoder.serverAndDate(o, System.currentTimeMillis());
        byte[] type = r.contentTypeBytes();
        if (type != null) {
            HttpResponseEncoder.contentType(o, type);
        }
        String[] h = r.rawHeaders();
        for (int i = 0; i < h.length; i += 2) {
            HttpResponseEncoder.header(o, h[i], h[i + 1]);
        }
        if (contentLength >= 0 && HttpResponseEncoder.allowsContentLength(status)) {
            HttpResponseEncoder.contentLength(o, contentLength);
        }
        if (mode == CONNECTION_CLOSE) {
            HttpResponseEncoder.connectionClose(o);
        } else if (mode == CONNECTION_KEEP_ALIVE) {
            HttpResponseEncoder.connectionKeepAlive(o);
        }
        if (chunked) {
            HttpResponseEncoder.transferEncodingChunked(o);
        }
        HttpResponseEncoder.endHead(o);
    }

    private void writeError(int status) {
        byte[] body = (status + " " + HttpResponseEncoder.reasonPhrase(status) + "\n").getBytes(StandardCharsets.US_ASCII);
        int need = worker.encoder.headLength(status, TEXT_PLAIN, body.length, CONNECTION_CLOSE) + body.length;
        worker.encoder.writeResponse(outFor(need), status, TEXT_PLAIN, body, CONNECTION_CLOSE, System.currentTimeMillis());
        closing = true;
        closeAnnounced = true;
    }

    // ---- chunked responses

    private void startStream(Exchange x) {
        x.streamStarted = true;
        HttpResponse r = x.response;
        boolean http10 = (x.flags & F_HTTP10) != 0;
        int mode = http10 ? CONNECTION_CLOSE : connectionMode(x.flags, x.next == null);
        x.chunkedEncoding = !http10;
        x.closeAfter = mode == CONNECTION_CLOSE;
        int headLength = worker.encoder.headLength(r.status(), r.contentTypeBytes(), -1, mode) + r.headersLength()
                + (x.chunkedEncoding ? TE_CHUNKED_LENGTH : 0);
        writeHead(outFor(headLength), r, -1, mode, x.chunkedEncoding);
        if (x.closeAfter) {
            closeAnnounced = true;
        }
        if ((x.flags & F_HEAD) != 0) {
            x.streamDone = true;
            return;
        }
        try {
            r.bodyPublisher().subscribe(new ChunkSubscriber(x));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "subscribing to a response body failed", e);
            close();
        }
    }

    /** Runs the publisher's signals on the loop, always as posted tasks (never re-entrantly). */
    private final class ChunkSubscriber implements Flow.Subscriber<ByteBuffer> {
        private final Exchange x;

        ChunkSubscriber(Exchange x) {
            this.x = x;
        }

        private void onLoop(Runnable r) {
            try {
                worker.loop.post(r);
            } catch (RejectedExecutionException loopClosed) {
                // nothing left to write to
            }
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            onLoop(() -> {
                if (closed || x.subscription != null) {
                    s.cancel();
                    return;
                }
                x.subscription = s;
                s.request(1);
            });
        }

        @Override
        public void onNext(ByteBuffer item) {
            onLoop(() -> onChunk(x, item));
        }

        @Override
        public void onError(Throwable t) {
            onLoop(() -> {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "response body failed; aborting the connection", t);
                    close();
                }
            });
        }

        @Override
        public void onComplete() {
            onLoop(() -> onStreamComplete(x));
        }
    }

    private void onChunk(Exchange x, ByteBuffer b) {
        if (closed || x.streamDone) {
            return;
        }
        int n = b.remaining();
        if (n > 0) {
            if (x.chunkedEncoding) {
                if (n <= HttpWorker.SEGMENT - 32) {
                    HttpResponseEncoder.chunk(outFor(HttpResponseEncoder.hexDigits(n) + 4 + n), b);
                } else {
                    HttpResponseEncoder.chunkHeader(outFor(18), n);
                    writeBytes(b);
                    HttpResponseEncoder.chunkEnd(outFor(2));
                }
            } else {
                writeBytes(b);
            }
        }
        if (unsent() < OUTPUT_HIGH) {
            x.subscription.request(1);
        } else {
            x.wantMore = true;
        }
        afterBatch();
    }

    private void onStreamComplete(Exchange x) {
        if (closed || x.streamDone) {
            return;
        }
        if (x.chunkedEncoding) {
            HttpResponseEncoder.lastChunk(outFor(5));
        }
        x.streamDone = true;
        if (first == x) {
            pop();
            if (x.closeAfter) {
                closing = true;
            }
        }
        pump();
        maybeResume();
        afterBatch();
    }

    // =====================================================================================
    // output buffers
    // =====================================================================================

    /** The output segment with at least {@code n} bytes free, starting a new one if needed. */
    private ByteBuffer outFor(int n) {
        ByteBuffer o = out;
        if (o != null) {
            if (o.remaining() >= n) {
                return o;
            }
            if (o.position() > 0) {
                o.flip();
                queued().add(o);
            } else {
                worker.release(o);
            }
        }
        o = worker.acquire(n);
        out = o;
        return o;
    }

    /**
     * Copies {@code src}'s remaining bytes (its position does not change) over as many output
     * segments as they need. Large bodies are copied too rather than handed to the socket as they
     * are: the backends would copy a heap buffer anyway, and seeing only the pool's direct
     * buffers keeps their send path monomorphic for the JIT.
     */
    private void writeBytes(ByteBuffer src) {
        int at = src.position();
        int end = src.limit();
        while (at < end) {
            ByteBuffer o = outFor(1);
            int n = Math.min(end - at, o.remaining());
            o.put(o.position(), src, at, n);
            o.position(o.position() + n);
            at += n;
        }
    }

    private ArrayDeque<ByteBuffer> queued() {
        if (queued == null) {
            queued = new ArrayDeque<>(4);
        }
        return queued;
    }

    private boolean outEmpty() {
        return (out == null || out.position() == 0) && (queued == null || queued.isEmpty());
    }

    private long unsent() {
        long n = out == null ? 0 : out.position();
        if (queued != null) {
            for (ByteBuffer b : queued) {
                n += b.remaining();
            }
        }
        return n + (sending == null ? 0 : sending.remaining());
    }

    private void flush() {
        if (sending != null || closed) {
            return;
        }
        ByteBuffer b = queued == null ? null : queued.poll();
        if (b == null) {
            b = out;
            if (b == null || b.position() == 0) {
                return;
            }
            out = null;
            b.flip();
        }
        sending = b;
        socket.sendAll(b, ON_SENT, this);
    }

    private void onSent(IOException error) {
        ByteBuffer b = sending;
        sending = null;
        worker.release(b);
        if (closed) {
            return;
        }
        if (error != null) {
            LOG.log(System.Logger.Level.DEBUG, "send failed: {0}", error);
            close();
            return;
        }
        flush();
        if (sending == null && closing) {
            finish();
            return;
        }
        Exchange x = first;
        if (x != null && x.wantMore && x.subscription != null && unsent() < OUTPUT_LOW) {
            x.wantMore = false;
            x.subscription.request(1);
        }
        maybeResume();
        afterBatch();
    }

    // =====================================================================================
    // flow control, timers, ending
    // =====================================================================================

    /** After a batch of work: flushes, pauses for output if needed, and sets the deadline. */
    private void afterBatch() {
        if (closed) {
            return;
        }
        if (unsent() > OUTPUT_HIGH) {
            pause(P_OUTPUT);
        }
        flush();
        if (closed) {
            return;
        }
        if (closing && sending == null && outEmpty()) {
            finish();
            return;
        }
        updateTimer();
    }

    private void updateTimer() {
        if (closed || lingering) {
            return;
        }
        // The clock is read only where a deadline is set: a batch that ends with a send in flight
        // (every pipelined batch, on receive) clears the timer and needs none.
        if (!stopParsing && pauseReasons == 0 && !parser.isIdle()) { // a request is arriving
            if (!headDone) {
                if (timerKind != HttpWorker.T_HEADER || timerSeq != requestSeq) {
                    worker.setTimer(this, HttpWorker.T_HEADER, System.nanoTime());
                    timerSeq = requestSeq;
                }
            } else {
                worker.setTimer(this, HttpWorker.T_BODY, System.nanoTime());
            }
        } else if (first != null || sending != null || pauseReasons != 0 || closing || stopParsing) {
            if (timerKind != HttpWorker.T_NONE) {
                worker.clearTimer(this);
            }
        } else {
            worker.setTimer(this, HttpWorker.T_IDLE, System.nanoTime());
        }
    }

    /** Called by the worker's sweep when this connection's deadline passed (already unlinked). */
    void onTimeout(int kind) {
        if (closed) {
            return;
        }
        switch (kind) {
            case HttpWorker.T_HEADER, HttpWorker.T_BODY -> {
                if (!headDone && parser.isIdle() && first == null && sending == null && outEmpty()) {
                    close(); // nothing started: just close
                    return;
                }
                LOG.log(System.Logger.Level.DEBUG, "request timed out ({0})", kind == HttpWorker.T_HEADER ? "head" : "body");
                onParseError(408);
                afterBatch();
            }
            default -> close();
        }
    }

    private void pause(int reason) {
        if (closed) {
            return;
        }
        boolean wasRunning = pauseReasons == 0;
        pauseReasons |= reason;
        if (wasRunning && recvArmed) {
            socket.cancel(recvId);
        }
    }

    private void resume(int reason) {
        if (closed || (pauseReasons & reason) == 0) {
            return;
        }
        pauseReasons &= ~reason;
        if (pauseReasons != 0) {
            return;
        }
        if (!stopParsing && !lingering && (tail != null || parser.isComplete())) {
            if (tail == null) {
                // paused right after a body's last byte: the completion is still to be reported
                parser.rebase(0);
                tail = worker.acquireTail(0);
                tailEnd = 0;
            }
            parseAll(tail, tailEnd);
            compactTail();
        }
        if (pauseReasons == 0 && !recvArmed && !eof && !closed && !stopParsing) {
            armRecv();
        }
    }

    private void maybeResume() {
        if (pauseReasons == 0 || closed) {
            return;
        }
        if (pending < worker.server.maxPipelinedRequests()) {
            resume(P_PIPELINE);
        }
        if (unsent() < OUTPUT_LOW) {
            resume(P_OUTPUT);
        }
    }

    /** Any thread: a streaming handler has read enough of the buffered body. */
    void resumeFromStream() {
        try {
            worker.loop.post(() -> {
                resume(P_STREAM);
                afterBatch();
            });
        } catch (RejectedExecutionException loopClosed) {
            // gone
        }
    }

    /** Loop thread: the server is shutting down. Idle: close now; busy: close after the last response. */
    void drain() {
        if (closed) {
            return;
        }
        if (!headDone && parser.isIdle()) {
            stopParsing = true; // nothing of a next request has arrived: none will be read
        }
        if (stopParsing && first == null) {
            if (sending == null && outEmpty()) {
                close();
                return;
            }
            closing = true;
        }
    }

    /** Everything is sent and nothing more will be: close, gracefully if a close was announced. */
    private void finish() {
        if (closed || lingering) {
            return;
        }
        if (eof || !closeAnnounced) {
            close();
            return;
        }
        // Half-close and read until the client closes (or the linger deadline), so that request
        // bytes still in flight do not make the kernel reset the connection before the client
        // has read the response.
        lingering = true;
        if (tail != null) {
            worker.releaseTail(tail);
            tail = null;
            tailEnd = 0;
        }
        try {
            socket.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            close();
            return;
        }
        worker.setTimer(this, HttpWorker.T_LINGER, System.nanoTime());
        if (!recvArmed) {
            armRecv();
        }
    }

    /** A bug or an unexpected failure while serving: log it and drop the connection. */
    private void failed(Throwable e) {
        LOG.log(System.Logger.Level.ERROR, "HTTP connection failed; closing it", e);
        close();
    }

    /** Closes at once; idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        worker.removed(this);
        if (tail != null) {
            worker.releaseTail(tail);
            tail = null;
        }
        if (out != null) {
            worker.release(out);
            out = null;
        }
        if (queued != null) {
            for (ByteBuffer b; (b = queued.poll()) != null; ) {
                worker.release(b);
            }
        }
        IOException gone = new EOFException("the connection closed");
        for (Exchange x = first; x != null; x = x.next) {
            if (x.requestBody != null) {
                x.requestBody.fail(gone);
            }
            Flow.Subscription s = x.subscription;
            if (s != null) {
                try {
                    s.cancel();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "cancelling a response body failed", e);
                }
            }
        }
        first = last = null;
        socket.close();
    }

    /** The client's address (cached), or null if it cannot be had any more. */
    InetSocketAddress remoteAddress() {
        InetSocketAddress r = remote;
        if (r == null) {
            try {
                r = socket.remoteAddress();
                remote = r;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
        return r;
    }

    @Override
    public String toString() {
        return "HttpConnection[" + socket + (closed ? ", closed" : "") + "]";
    }
}
