package dev.ringnet.bench.micro;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * HTTP/1.1 request parsing per request: ringnet's {@code HttpRequestParser} against Netty's
 * {@code HttpRequestDecoder} (see {@link Requests} for how each is driven and what it reads).
 *
 * <p>{@code ringnet} is what ringnet's HTTP server does on each receive ({@code
 * HttpConnection.onReceive}): copy the received bytes from the direct buffer the loop lends into
 * the worker's heap scratch buffer, then parse them there, which lets the parser take a whole
 * head in its single pass over the array ({@code headInOnePass}); the copy is included. {@code
 * ringnet-direct} parses the direct buffer in place, without the copy, which takes the parser's
 * byte-at-a-time state machine: shown for comparison, not what the server runs.
 *
 * <p>Both parsers validate what they parse (method, target, version, header names and values,
 * Host); they differ in what they produce: ringnet reports offsets into the receive buffer and
 * allocates nothing, Netty builds an {@code HttpRequest} with its headers as objects (see the
 * gc.alloc.rate.norm column). That difference is part of what a server built on each pays per
 * request, so it is measured, not factored out. {@code netty-embedded-baseline} is the cost of the
 * {@code EmbeddedChannel} harness alone. Scores are nanoseconds per request, lower is better.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ParseBench {

    @Param({"ringnet", "ringnet-direct", "netty", "netty-embedded-baseline"})
    public String impl;

    Requests plaintext;
    Requests techEmpower;
    Requests pipelined;

    @Setup(Level.Trial)
    public void setUp() {
        plaintext = Requests.open(impl, Requests.PLAINTEXT);
        techEmpower = Requests.open(impl, Requests.TECHEMPOWER);
        pipelined = Requests.open(impl, Requests.PIPELINED_16);
    }

    /** (a) wrk's {@code /plaintext} request: request line and Host only (49 bytes). */
    @Benchmark
    public int plaintext() {
        return plaintext.parseAll();
    }

    /** (b) {@code /plaintext} with browser-like Host, User-Agent, Accept, Accept-Language and Connection headers. */
    @Benchmark
    public int techEmpower() {
        return techEmpower.parseAll();
    }

    /** (c) 16 pipelined (a) requests in one buffer, as one receive; the score is per request. */
    @Benchmark
    @OperationsPerInvocation(16)
    public int pipelined16() {
        return pipelined.parseAll();
    }
}
