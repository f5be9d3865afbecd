package dev.ringnet.backend.epoll;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringnet.backend.Backend.SocketType;
import dev.ringnet.backend.Op;
import dev.ringnet.backend.epoll.Harness.Result;
import dev.ringnet.io.OperationCancelledException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The epoll backend through a real {@link dev.ringnet.backend.OpTable}: every op kind, end of
 * stream, errors, cancel, close, fairness and the no-lost-edge rule. Waits are bounded polls; no
 * test sleeps.
 */
@Timeout(60)
class EpollBackendTest {
    private static final Duration SHORT = Duration.ofMillis(20);

    private Harness h;

    @BeforeAll
    static void needsEpoll() throws IOException {
        EpollProbe.Support support = EpollProbe.support();
        Assumptions.assumeTrue(support.available(), () -> "epoll unavailable here: " + support.detail());
        // The JDK keeps a few fds for good once java.net is first used: open them before any count.
        try (ServerSocket s = new ServerSocket(0, 1, Harness.LOOPBACK.getAddress());
             Socket c = new Socket(s.getInetAddress(), s.getLocalPort());
             Socket a = s.accept()) {
            c.getOutputStream().write(1);
            assertThat(a.getInputStream().read()).isEqualTo(1);
        }
    }

    @BeforeEach
    void open() throws IOException {
        h = new Harness();
    }

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void probeNamesTheKernel() {
        EpollProbe.Support support = EpollProbe.support();
        assertThat(support.available()).isTrue();
        assertThat(support.detail()).startsWith("edge-triggered epoll, kernel ");
        assertThat(h.backend.name()).isEqualTo("epoll");
    }

    @Test
    void echoOverLoopbackWithDirectAndHeapBuffers() throws IOException {
        int[] p = h.pair();
        assertThat(h.backend.openHandles()).isEqualTo(2);
        assertThat(h.backend.remoteAddress(p[0])).isEqualTo(h.backend.localAddress(p[1]));
        for (boolean direct : new boolean[] {true, false}) {
            byte[] msg = ("hello over epoll, direct=" + direct).getBytes(UTF_8);
            ByteBuffer out = direct ? ByteBuffer.allocateDirect(msg.length).put(msg).flip() : ByteBuffer.wrap(msg);
            ByteBuffer serverIn = direct ? ByteBuffer.allocateDirect(256) : ByteBuffer.allocate(256);
            Result recv = h.submit(Op.RECV, p[1], serverIn, null);
            Result sent = h.submit(Op.SEND_ALL, p[0], out, null);
            assertThat(h.await(sent).value).isEqualTo(msg.length);
            readFully(p[1], serverIn, msg.length, recv);
            serverIn.flip();
            Result echoed = h.submit(Op.SEND, p[1], serverIn, null);
            assertThat(h.await(echoed).value).isEqualTo(msg.length);
            ByteBuffer clientIn = direct ? ByteBuffer.allocateDirect(msg.length) : ByteBuffer.allocate(msg.length);
            readFully(p[0], clientIn, msg.length, null);
            assertThat(bytes(clientIn.flip())).isEqualTo(msg);
        }
    }

    /** Receives until {@code dst} holds {@code n} bytes, starting with an already submitted recv. */
    private void readFully(int handle, ByteBuffer dst, int n, Result first) throws IOException {
        Result r = first != null ? first : h.submit(Op.RECV, handle, dst, null);
        while (true) {
            h.await(r);
            assertThat(r.error).isNull();
            assertThat(r.value).as("not end of stream").isPositive();
            if (dst.position() >= n) {
                return;
            }
            r = h.submit(Op.RECV, handle, dst, null);
        }
    }

    @Test
    void completionsComeFromPollNeverFromInsideSubmit() throws IOException {
        int[] p = h.pair();
        Result sent = h.submit(Op.SEND, p[0], ByteBuffer.wrap(new byte[] {1, 2, 3}), null);
        assertThat(sent.calls).as("a send that succeeded at once is still delivered by poll").isZero();
        h.await(sent);
        Result recv = h.submit(Op.RECV, p[1], ByteBuffer.allocate(8), null);
        Result bad = h.submit(Op.RECV, 12345, ByteBuffer.allocate(8), null);
        assertThat(recv.calls + bad.calls).isZero();
        assertThat(h.poll(Duration.ZERO)).isEqualTo(2);
        assertThat(recv.value).isEqualTo(3);
        assertThat(bad.error).isInstanceOf(ClosedChannelException.class);
        assertThat(h.poll(SHORT)).as("nothing left to do").isZero();
    }

    @Test
    void endOfStreamReachesEveryQueuedRecvAndEveryLaterOne() throws IOException {
        int[] p = h.pair();
        List<Result> recvs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            recvs.add(h.submit(Op.RECV, p[1], ByteBuffer.allocate(16), null));
        }
        assertThat(h.poll(SHORT)).isZero();
        h.backend.shutdownOutput(p[0]);
        h.until(() -> recvs.stream().allMatch(Result::done), "every queued recv completes");
        assertThat(recvs).allSatisfy(r -> {
            assertThat(r.calls).isEqualTo(1);
            assertThat(r.error).isNull();
            assertThat(r.value).isEqualTo(-1);
        });
        Result later = h.await(h.submit(Op.RECV, p[1], ByteBuffer.allocate(16), null));
        assertThat(later.value).isEqualTo(-1);
        // Half-closed: the other direction still works.
        Result reply = h.await(h.submit(Op.SEND_ALL, p[1], ByteBuffer.wrap("bye".getBytes(UTF_8)), null));
        assertThat(reply.value).isEqualTo(3);
        ByteBuffer in = ByteBuffer.allocate(3);
        readFully(p[0], in, 3, null);
        assertThat(new String(in.array(), UTF_8)).isEqualTo("bye");
        h.backend.close(p[1]);
        Result eof = h.await(h.submit(Op.RECV, p[0], ByteBuffer.allocate(3), null));
        assertThat(eof.value).isEqualTo(-1);
    }

    @Test
    void zeroLengthRecvIsNotEndOfStream() throws IOException {
        int[] p = h.pair();
        Result r = h.await(h.submit(Op.RECV, p[1], ByteBuffer.allocate(0), null));
        assertThat(r.error).isNull();
        assertThat(r.value).isZero();
    }

    @Test
    void connectToAClosedPortFailsWithConnectException() throws IOException {
        try (Socket holder = new Socket()) {
            holder.bind(Harness.LOOPBACK); // bound, not listening: connecting is refused
            InetSocketAddress closed = (InetSocketAddress) holder.getLocalSocketAddress();
            for (StandardProtocolFamily family : new StandardProtocolFamily[] {null, StandardProtocolFamily.INET}) {
                int s = h.backend.open(SocketType.STREAM, family);
                Result r = h.await(h.submit(Op.CONNECT, s, null, closed));
                assertThat(r.calls).isEqualTo(1);
                assertThat(r.error).isInstanceOf(ConnectException.class);
                h.backend.close(s);
            }
        }
        assertThat(h.backend.openHandles()).isZero();
    }

    @Test
    void acceptsQueuedConnectionsInOrderOfTheAccepts() throws IOException {
        int l = h.listener();
        InetSocketAddress address = h.backend.localAddress(l);
        List<Result> accepts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            accepts.add(h.submit(Op.ACCEPT, l, null, null));
        }
        assertThat(h.poll(SHORT)).as("nobody connected yet").isZero();
        List<Socket> peers = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket peer = new Socket();
                peer.connect(address, 5000);
                peers.add(peer);
            }
            h.until(() -> accepts.stream().allMatch(Result::done), "three accepts complete");
            int[] handles = accepts.stream().mapToInt(r -> r.value).toArray();
            assertThat(accepts).allSatisfy(r -> assertThat(r.error).isNull());
            assertThat(Arrays.stream(handles).distinct().count()).isEqualTo(3);
            assertThat(h.backend.openHandles()).isEqualTo(4);
            for (int i = 0; i < 3; i++) {
                assertThat(h.backend.remoteAddress(handles[i]).getPort()).isEqualTo(peers.get(i).getLocalPort());
                peers.get(i).getOutputStream().write(i + 1);
                ByteBuffer one = ByteBuffer.allocate(1);
                readFully(handles[i], one, 1, null);
                assertThat(one.get(0)).isEqualTo((byte) (i + 1));
            }
        } finally {
            for (Socket s : peers) {
                s.close();
            }
        }
    }

    @Test
    void udpSendToRecvFromAndConnectedDatagrams() throws IOException {
        int a = h.backend.open(SocketType.DATAGRAM, null);
        int b = h.backend.open(SocketType.DATAGRAM, StandardProtocolFamily.INET);
        h.backend.bind(a, Harness.LOOPBACK, 0);
        h.backend.bind(b, Harness.LOOPBACK, 0);
        InetSocketAddress aAddr = h.backend.localAddress(a);
        InetSocketAddress bAddr = h.backend.localAddress(b);
        assertThat(aAddr.getAddress()).as("dual-stack socket bound to an IPv4 address").isInstanceOf(Inet4Address.class);

        // Receive pending before the send; heap and direct.
        ByteBuffer in = ByteBuffer.allocate(64);
        Result recv = h.submit(Op.RECV_FROM, b, in, null);
        assertThat(h.poll(SHORT)).isZero();
        Result sent = h.submit(Op.SEND_TO, a, ByteBuffer.wrap("ping".getBytes(UTF_8)), bAddr);
        h.until(() -> recv.done() && sent.done(), "the datagram travels");
        assertThat(sent.value).isEqualTo(4);
        assertThat(recv.value).isEqualTo(4);
        assertThat(recv.address).isEqualTo(aAddr);
        assertThat(new String(in.array(), 0, 4, UTF_8)).isEqualTo("ping");

        ByteBuffer direct = ByteBuffer.allocateDirect(64);
        ByteBuffer payload = ByteBuffer.allocateDirect(5).put("pong!".getBytes(UTF_8)).flip();
        assertThat(h.await(h.submit(Op.SEND_TO, b, payload, aAddr)).value).isEqualTo(5);
        Result back = h.await(h.submit(Op.RECV_FROM, a, direct, null));
        assertThat(back.value).isEqualTo(5);
        assertThat(back.address).isEqualTo(bAddr);
        assertThat(bytes(direct.flip())).isEqualTo("pong!".getBytes(UTF_8));

        // A datagram larger than the buffer is truncated.
        assertThat(h.await(h.submit(Op.SEND_TO, a, ByteBuffer.wrap(new byte[100]), bAddr)).value).isEqualTo(100);
        assertThat(h.await(h.submit(Op.RECV_FROM, b, ByteBuffer.allocate(10), null)).value).isEqualTo(10);

        // Connected: plain RECV and SEND.
        h.backend.connectDatagram(a, bAddr);
        h.backend.connectDatagram(b, aAddr);
        assertThat(h.backend.remoteAddress(a)).isEqualTo(bAddr);
        Result cRecv = h.submit(Op.RECV, b, ByteBuffer.allocate(16), null);
        assertThat(h.await(h.submit(Op.SEND, a, ByteBuffer.wrap(new byte[] {1, 2, 3}), null)).value).isEqualTo(3);
        assertThat(h.await(cRecv).value).isEqualTo(3);
        // An empty datagram is a datagram, not the end of anything.
        Result empty = h.submit(Op.RECV, a, ByteBuffer.allocate(16), null);
        assertThat(h.await(h.submit(Op.SEND, b, ByteBuffer.allocate(0), null)).value).isZero();
        assertThat(h.await(empty).value).isZero();
        assertThat(empty.error).isNull();
    }

    @Test
    void cancelOfAWaitingRecvDeliversItOnceAsCancelledAndTakesNoData() throws Exception {
        int[] p = h.pair();
        ByteBuffer buf = ByteBuffer.allocate(16);
        Result onLoop = h.submit(Op.RECV, p[1], buf, null);
        assertThat(h.poll(SHORT)).isZero();
        assertThat(h.table.cancel(onLoop.id)).isTrue();
        assertThat(onLoop.calls).as("not inside the cancel call").isZero();
        h.await(onLoop);
        assertThat(onLoop.error).isInstanceOf(OperationCancelledException.class);
        assertThat(h.table.cancel(onLoop.id)).as("a second cancel").isFalse();

        // From another thread: posted to the loop through the table's executor.
        Result offLoop = h.submit(Op.RECV, p[1], buf, null);
        assertThat(h.poll(SHORT)).isZero();
        CompletableFuture<Boolean> cancelled = CompletableFuture.supplyAsync(() -> h.table.cancel(offLoop.id));
        assertThat(cancelled.get(10, TimeUnit.SECONDS)).isTrue();
        h.await(offLoop);
        assertThat(offLoop.error).isInstanceOf(OperationCancelledException.class);

        h.poll(SHORT);
        assertThat(onLoop.calls + offLoop.calls).as("each delivered exactly once").isEqualTo(2);
        assertThat(buf.position()).isZero();
        assertThat(h.table.inFlight()).isZero();
        // The next recv gets what comes now.
        h.await(h.submit(Op.SEND, p[0], ByteBuffer.wrap(new byte[] {42}), null));
        Result next = h.await(h.submit(Op.RECV, p[1], buf, null));
        assertThat(next.value).isEqualTo(1);
        assertThat(buf.get(0)).isEqualTo((byte) 42);
    }

    @Test
    void closingAHandleAbortsItsOpsAndLaterOpsFailWithClosedChannel() throws IOException {
        int[] p = h.pair();
        h.backend.setOption(p[0], StandardSocketOptions.SO_SNDBUF, 4096);
        Result recv = h.submit(Op.RECV, p[0], ByteBuffer.allocate(16), null);
        Result send = h.submit(Op.SEND_ALL, p[0], ByteBuffer.allocateDirect(8 << 20), null); // nobody reads
        Result queued = h.submit(Op.SEND, p[0], ByteBuffer.allocate(10), null);
        h.poll(SHORT);
        h.poll(SHORT);
        assertThat(recv.calls + send.calls + queued.calls).isZero();

        h.backend.close(p[0]);
        h.backend.close(p[0]); // idempotent
        h.poll(Duration.ZERO);
        for (Result r : List.of(recv, send, queued)) {
            assertThat(r.calls).isEqualTo(1);
            assertThat(r.error).isInstanceOf(OperationCancelledException.class);
        }
        assertThat(h.backend.openHandles()).isEqualTo(1);

        Result late = h.submit(Op.RECV, p[0], ByteBuffer.allocate(16), null);
        assertThat(late.calls).as("delivered by poll, not by submit").isZero();
        h.await(late);
        assertThat(late.error).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(() -> h.backend.localAddress(p[0])).isInstanceOf(ClosedChannelException.class);
        assertThat(h.table.inFlight()).isZero();
    }

    @Test
    void closeAbortsEverythingOnceAndLeavesNoFdBehind() throws IOException {
        int before = openFds();
        List<Result> results = new ArrayList<>();
        try (Harness other = new Harness()) {
            int l = other.listener();
            results.add(other.submit(Op.ACCEPT, l, null, null));
            results.add(other.submit(Op.ACCEPT, l, null, null));
            int[] p = other.pair();
            results.add(other.submit(Op.RECV, p[0], ByteBuffer.allocate(8), null));
            results.add(other.submit(Op.RECV, p[1], ByteBuffer.allocateDirect(8), null));
            int u = other.backend.open(SocketType.DATAGRAM, null);
            other.backend.bind(u, Harness.LOOPBACK, 0);
            results.add(other.submit(Op.RECV_FROM, u, ByteBuffer.allocate(8), null));
            other.poll(SHORT);
            assertThat(results).allSatisfy(r -> assertThat(r.calls).isZero());
            assertThat(openFds()).as("epoll fd, eventfd and 4 sockets").isEqualTo(before + 6);

            other.backend.close();
            assertThat(results).allSatisfy(r -> {
                assertThat(r.calls).isEqualTo(1);
                assertThat(r.error).isInstanceOf(OperationCancelledException.class);
            });
            assertThat(other.backend.openHandles()).isZero();
            assertThat(other.table.inFlight()).isZero();
            assertThatThrownBy(() -> other.backend.poll(0)).isInstanceOf(ClosedChannelException.class);
            assertThatThrownBy(() -> other.backend.open(SocketType.STREAM, null)).isInstanceOf(ClosedChannelException.class);
            other.backend.wakeup(); // harmless after close
            other.backend.close(); // idempotent
        }
        assertThat(openFds()).as("open fds after close").isEqualTo(before);
    }

    @Test
    void megabyteSendAllReachesASlowReaderWholeAndInOrder() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.setReceiveBufferSize(4096);
            server.bind(Harness.LOOPBACK, 1);
            for (boolean direct : new boolean[] {true, false}) {
                int total = 1 << 20;
                byte[] data = new byte[total];
                new SplittableRandom(direct ? 1 : 2).nextBytes(data);
                int client = h.backend.open(SocketType.STREAM, null);
                h.backend.setOption(client, StandardSocketOptions.SO_SNDBUF, 8192);
                Result connected = h.submit(Op.CONNECT, client, null, server.getLocalSocketAddress());
                try (Socket peer = server.accept()) {
                    h.await(connected);
                    assertThat(connected.error).isNull();
                    ByteBuffer src = direct ? ByteBuffer.allocateDirect(total).put(data).flip() : ByteBuffer.wrap(data);
                    Result sendAll = h.submit(Op.SEND_ALL, client, src, null);
                    for (int i = 0; i < 3; i++) {
                        h.poll(SHORT);
                    }
                    assertThat(sendAll.calls).as("1 MiB does not fit the socket buffers: the send waits").isZero();
                    assertThat(src.position()).as("but has begun").isPositive().isLessThan(total);

                    CountDownLatch started = new CountDownLatch(1);
                    CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                        started.countDown();
                        return readSlowly(peer, total);
                    });
                    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
                    h.await(sendAll);
                    assertThat(sendAll.error).isNull();
                    assertThat(sendAll.value).isEqualTo(total);
                    assertThat(src.hasRemaining()).isFalse();
                    assertThat(Arrays.equals(read.get(30, TimeUnit.SECONDS), data)).as("same bytes, same order").isTrue();
                }
                h.backend.close(client);
            }
        }
    }

    /** Reads {@code total} bytes 512 at a time. */
    private static byte[] readSlowly(Socket peer, int total) {
        byte[] out = new byte[total];
        try {
            InputStream in = peer.getInputStream();
            int got = 0;
            while (got < total) {
                int n = in.read(out, got, Math.min(512, total - got));
                if (n < 0) {
                    throw new IOException("end of stream after " + got);
                }
                got += n;
            }
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        return out;
    }

    @Test
    void aBusySocketIsServedWithinItsBudgetAndRevisitedWithoutWaiting() throws IOException {
        int[] p = h.pair();
        int[] q = h.pair();
        int n = 3 * EpollBackend.OPS_PER_VISIT;
        // n one-byte recvs queued before any data: the first meets EAGAIN, the rest wait behind it.
        List<Result> many = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            many.add(h.submit(Op.RECV, p[1], ByteBuffer.allocate(1), null));
        }
        Result other = h.submit(Op.RECV, q[1], ByteBuffer.allocate(1), null);
        assertThat(h.poll(SHORT)).isZero();
        h.submit(Op.SEND_ALL, p[0], ByteBuffer.wrap(new byte[n]), null);
        h.submit(Op.SEND_ALL, q[0], ByteBuffer.wrap(new byte[] {7}), null);
        int polls = 0;
        while (!many.getLast().done()) {
            long t0 = System.nanoTime();
            int delivered = h.poll(Duration.ofSeconds(10));
            assertThat(System.nanoTime() - t0).as("a poll with work left does not wait").isLessThan(TimeUnit.SECONDS.toNanos(5));
            assertThat(delivered).as("per poll: the two sends + one visit's budget of each socket")
                    .isBetween(1, EpollBackend.OPS_PER_VISIT + 3);
            polls++;
        }
        assertThat(polls).as("the budget spread the queue over several polls").isGreaterThanOrEqualTo(3);
        h.until(other::done, "the other socket's recv");
        assertThat(other.value).isEqualTo(1);
        assertThat(many).allSatisfy(r -> {
            assertThat(r.calls).isEqualTo(1);
            assertThat(r.value).isEqualTo(1);
        });
    }

    @Test
    void noEdgeIsLostBetweenAnEagainAndTheNextEvent() throws Exception {
        int l = h.listener();
        try (Socket peer = new Socket()) {
            Result accepted = h.submit(Op.ACCEPT, l, null, null);
            peer.connect(h.backend.localAddress(l), 5000);
            int s = h.await(accepted).value;
            OutputStream out = peer.getOutputStream();
            ByteBuffer buf = ByteBuffer.allocateDirect(64);
            for (int round = 0; round < 200; round++) {
                // A recv that meets EAGAIN (readiness cleared), then data arriving with no poll in between.
                buf.clear();
                Result r = h.submit(Op.RECV, s, buf, null);
                out.write(round);
                h.await(r);
                assertThat(r.value).isEqualTo(1);
                assertThat(buf.get(0)).isEqualTo((byte) round);
                // Data already there while the socket is known readable: served at submit.
                out.write(round + 1);
                out.write(round + 2);
                buf.clear().limit(2);
                Result r2 = h.submit(Op.RECV, s, buf, null);
                h.await(r2);
                if (r2.value == 1) { // the second byte had not crossed loopback yet
                    h.await(h.submit(Op.RECV, s, buf, null));
                }
                assertThat(buf.position()).isEqualTo(2);
            }
        }
    }

    @Test
    void peerResetFailsAPendingRecvOnceWithAnIOException() throws Exception {
        int l = h.listener();
        Socket peer = new Socket();
        Result accepted = h.submit(Op.ACCEPT, l, null, null);
        peer.connect(h.backend.localAddress(l), 5000);
        int s = h.await(accepted).value;
        Result r = h.submit(Op.RECV, s, ByteBuffer.allocate(16), null);
        assertThat(h.poll(SHORT)).isZero();
        peer.setSoLinger(true, 0);
        peer.close(); // RST
        h.await(r);
        h.poll(SHORT);
        assertThat(r.calls).isEqualTo(1);
        if (r.error == null) {
            assertThat(r.value).isEqualTo(-1);
        } else {
            assertThat(r.error).isInstanceOf(IOException.class).isNotInstanceOf(OperationCancelledException.class);
        }
    }

    @Test
    void wakeupFromAnotherThreadEndsAWaitingPoll() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        Thread waker = Thread.ofPlatform().start(() -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                return;
            }
            h.backend.wakeup(); // before or during the poll below: either way it returns promptly
        });
        go.countDown();
        long t0 = System.nanoTime();
        assertThat(h.backend.poll(TimeUnit.SECONDS.toNanos(30))).as("a wake-up is not a completion").isZero();
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(10));
        waker.join(10_000);
        // The eventfd was reset: a poll with nothing to do waits its timeout.
        t0 = System.nanoTime();
        assertThat(h.backend.poll(SHORT.toNanos())).isZero();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(SHORT.toNanos() / 2);
    }

    @Test
    void multishotAcceptAndReceiveServeEveryResultUntilCancelledOrEnded() throws Exception {
        int l = h.listener();
        List<Integer> acceptedHandles = new ArrayList<>();
        int[] endCalls = {0};
        dev.ringnet.backend.Op op = h.table.acquire(Op.ACCEPT_MULTI, l, null, null);
        h.table.delivery(op, (owner, result, address, error, handler, attachment) -> {
            if (error == null) {
                acceptedHandles.add(result);
            } else {
                endCalls[0]++;
                assertThat(error).isInstanceOf(OperationCancelledException.class);
            }
        }, null);
        long id = h.table.submit(op);
        List<Socket> peers = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket peer = new Socket();
                peer.connect(h.backend.localAddress(l), 5000);
                peers.add(peer);
            }
            h.until(() -> acceptedHandles.size() == 3, "three connections through one multishot accept");

            // recvMany on the first: chunks lent, then end of stream.
            int s = acceptedHandles.getFirst();
            ByteBuffer collected = ByteBuffer.allocate(64);
            int[] ends = {0};
            Op recv = h.table.acquire(Op.RECV_MULTI, s, (dev.ringnet.io.ReceiveHandler<Void>) (data, error, a) -> {
                if (data == null) {
                    assertThat(error).isNull();
                    ends[0]++;
                } else {
                    collected.put(data);
                }
            }, null);
            h.table.submit(recv);
            peers.getFirst().getOutputStream().write("abc".getBytes(UTF_8));
            h.until(() -> collected.position() == 3, "the chunk arrives");
            peers.getFirst().getOutputStream().write("de".getBytes(UTF_8));
            peers.getFirst().shutdownOutput();
            h.until(() -> ends[0] == 1, "end of stream ends the multishot receive");
            assertThat(new String(collected.array(), 0, collected.position(), UTF_8)).isEqualTo("abcde");

            assertThat(h.table.cancel(id)).isTrue();
            h.until(() -> endCalls[0] == 1, "the cancelled multishot accept ends");
            h.poll(SHORT);
            assertThat(endCalls[0]).isEqualTo(1);
            assertThat(h.table.inFlight()).isZero();
        } finally {
            for (Socket p : peers) {
                p.close();
            }
        }
    }

    @Test
    void sendZeroCopyIsAPlainSendHere() throws IOException {
        int[] p = h.pair();
        Result r = h.await(h.submit(Op.SEND_ZC, p[0], ByteBuffer.allocateDirect(100), null));
        assertThat(r.value).isEqualTo(100);
    }

    @Test
    void controlCallsOnUnknownHandlesThrowClosedChannel() {
        assertThatThrownBy(() -> h.backend.bind(999, Harness.LOOPBACK, 1)).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(() -> h.backend.setOption(-1, StandardSocketOptions.SO_REUSEADDR, true))
                .isInstanceOf(ClosedChannelException.class);
        h.backend.close(999); // ignored
    }

    @Test
    void optionsAndAddressesOfAnIpv4Socket() throws IOException {
        int s = h.backend.open(SocketType.DATAGRAM, StandardProtocolFamily.INET);
        h.backend.setOption(s, StandardSocketOptions.SO_BROADCAST, true);
        assertThat(h.backend.getOption(s, StandardSocketOptions.SO_BROADCAST)).isTrue();
        h.backend.setOption(s, StandardSocketOptions.IP_TOS, 0x10);
        assertThat(h.backend.getOption(s, StandardSocketOptions.IP_TOS)).isEqualTo(0x10);
        h.backend.bind(s, null, 0);
        assertThat(h.backend.localAddress(s).getPort()).isPositive();
        assertThat(h.backend.remoteAddress(s)).isNull();
        assertThatThrownBy(() -> h.backend.shutdownOutput(s)).isInstanceOf(UnsupportedOperationException.class);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static int openFds() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }
}
