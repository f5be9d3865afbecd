package dev.ringnet.bench.micro;

import dev.ringnet.http.HttpMethod;
import dev.ringnet.http.HttpRequestParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The HTTP requests {@link ParseBench} parses, and the parsers, each reduced to "parse every
 * request in this buffer, as a server would on one receive, and count the ones that are a
 * keep-alive {@code GET /plaintext}".
 */
interface Requests {

    List<String> NAMES = List.of("ringnet", "ringnet-direct", "netty", "netty-embedded-baseline");

    /** What wrk sends for {@code /plaintext}. */
    String PLAINTEXT = "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";

    /** A browser-like request with the headers of TechEmpower's load generator (no cookie). */
    String TECHEMPOWER = "GET /plaintext HTTP/1.1\r\n"
            + "Host: 127.0.0.1:8080\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20130501 Firefox/30.0 AppleWebKit/600.00"
            + " Chrome/30.0.0000.0 Trident/10.0 Safari/600.00\r\n"
            + "Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Connection: keep-alive\r\n"
            + "\r\n";

    /** {@link #PLAINTEXT} 16 times, as wrk's pipelining script sends it. */
    String PIPELINED_16 = PLAINTEXT.repeat(16);

    /** Parses every request in the buffer; returns how many were keep-alive {@code GET /plaintext}. */
    int parseAll();

    static Requests open(String impl, String requests) {
        byte[] bytes = requests.getBytes(StandardCharsets.US_ASCII);
        return switch (impl) {
            case "ringnet" -> new Ringnet(bytes, true);
            case "ringnet-direct" -> new Ringnet(bytes, false);
            case "netty" -> new Netty(bytes, true);
            case "netty-embedded-baseline" -> new Netty(bytes, false);
            default -> throw new IllegalArgumentException("unknown parser " + impl + "; one of " + NAMES);
        };
    }

    /**
     * ringnet's {@link HttpRequestParser}, driven as {@code HttpConnection.onReceive} drives it
     * on a receive when no earlier bytes are pending: the received bytes are in a direct buffer
     * (as the loop lends them); with {@code heap} (impl {@code ringnet}, what the server does) they
     * are first copied into a heap scratch buffer of 16 KiB ({@code HttpWorker.scratch}, reused
     * for every receive) and parsed there, so a whole head takes the parser's single pass over
     * the array; without (impl {@code ringnet-direct}) the direct buffer is parsed in place, which
     * takes the byte-at-a-time state machine. Then: {@code rebase(0)} when the parser is not at 0,
     * {@code parse} until {@code NEED_MORE}, {@code nextRequest} after each
     * {@code MESSAGE_COMPLETE}, and at the end the check {@code keepRest} makes ({@code retainFrom}:
     * nothing left to keep; here an error, as every input is whole). At {@code HEAD_COMPLETE} it reads what a router needs (method,
     * target compared in place, keep-alive): offsets and flags, no Strings. The copy is part of
     * the measured time, as it is part of what the server pays per receive.
     */
    final class Ringnet implements Requests {
        private static final byte[] PATH = "/plaintext".getBytes(StandardCharsets.US_ASCII);
        /** {@code HttpWorker.SEGMENT}: the size of the server's heap scratch buffer. */
        static final int SCRATCH = 16 * 1024;
        final HttpRequestParser parser = new HttpRequestParser();
        /** The received bytes, as the loop lends them. */
        final ByteBuffer received;
        /** The heap scratch the bytes are copied to, or null to parse {@link #received} in place. */
        final ByteBuffer scratch;
        final int end;

        Ringnet(byte[] bytes, boolean heap) {
            received = ByteBuffer.allocateDirect(bytes.length).put(0, bytes);
            scratch = heap ? ByteBuffer.allocate(Math.max(SCRATCH, bytes.length)) : null;
            end = bytes.length;
        }

        /** The buffer the parser reads: heap for {@code ringnet}, direct for {@code ringnet-direct}. */
        ByteBuffer parsed() {
            return scratch != null ? scratch : received;
        }

        @Override
        public int parseAll() {
            HttpRequestParser p = parser;
            ByteBuffer b = received;
            int n = end;
            ByteBuffer s = scratch;
            if (s != null) {
                s.put(0, b, 0, n);
                b = s;
            }
            if (p.position() != 0) {
                p.rebase(0);
            }
            int matched = 0;
            for (;;) {
                switch (p.parse(b, n)) {
                    case HttpRequestParser.NEED_MORE -> {
                        if (p.retainFrom() < n) { // HttpConnection.keepRest would copy these to a tail
                            throw new IllegalStateException("incomplete request at " + p.retainFrom());
                        }
                        return matched;
                    }
                    case HttpRequestParser.HEAD_COMPLETE -> {
                        if (p.method() == HttpMethod.GET && p.keepAlive()
                                && HttpRequestParser.regionEquals(b, p.targetOffset(), p.targetLength(), PATH)) {
                            matched++;
                        }
                    }
                    case HttpRequestParser.MESSAGE_COMPLETE -> p.nextRequest();
                    default -> throw new IllegalStateException("parse failed: " + p.errorStatus() + " " + p.errorReason());
                }
            }
        }
    }

    /**
     * Netty's {@link HttpRequestDecoder} (default limits and header validation, as in
     * {@code NettyHttpMain}) in an {@link EmbeddedChannel}: the buffer goes through the pipeline
     * with {@code fireChannelRead} and {@code fireChannelReadComplete}, as a Netty transport
     * delivers a read; the decoded messages are taken from the channel and checked (method, URI,
     * {@code HttpUtil.isKeepAlive}) and released. The input is one direct {@code ByteBuf}, reused:
     * retained before each delivery and released by the decoder once read, so the harness
     * allocates nothing. With {@code decoder == false} the channel has no handler and the buffer
     * comes straight out again: the cost of the harness alone, to subtract when reading Netty's
     * figure as "parsing".
     */
    final class Netty implements Requests {
        final EmbeddedChannel channel;
        final ChannelPipeline pipeline;
        final ByteBuf input;
        final boolean decoder;

        Netty(byte[] bytes, boolean decoder) {
            this.decoder = decoder;
            channel = decoder ? new EmbeddedChannel(new HttpRequestDecoder()) : new EmbeddedChannel();
            pipeline = channel.pipeline();
            input = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        }

        @Override
        public int parseAll() {
            ByteBuf in = input;
            in.readerIndex(0).retain();
            pipeline.fireChannelRead(in);
            pipeline.fireChannelReadComplete();
            int matched = 0;
            for (Object m; (m = channel.readInbound()) != null; ) {
                if (m instanceof HttpRequest r) {
                    if (r.method() == io.netty.handler.codec.http.HttpMethod.GET && HttpUtil.isKeepAlive(r)
                            && "/plaintext".equals(r.uri())) {
                        matched++;
                    }
                } else if (!decoder && m == in) {
                    matched++;
                }
                ReferenceCountUtil.release(m);
            }
            return matched;
        }
    }
}
