package dev.ringnet.bench.micro;

import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.Backends;
import dev.ringnet.loop.IoContext;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The event loops the post benchmarks compare, each started on its own thread and reduced to
 * what the benchmarks use: {@link #execute} from any thread, and {@link #close}.
 *
 * <ul>
 *   <li>{@code ringnet-io_uring}, {@code ringnet-epoll}, {@code ringnet-nio}: an {@link IoContext} on
 *       that backend, started with {@link IoContext#start(String)}; {@code execute} is
 *       {@link IoContext#post(Runnable)}.
 *   <li>{@code netty-nio}, {@code netty-epoll}, {@code netty-io_uring}: the one loop of a
 *       {@code MultiThreadIoEventLoopGroup(1, ...)} with {@code NioIoHandler}, {@code EpollIoHandler}
 *       or {@code IoUringIoHandler}, as a Netty server runs it; {@code execute} is
 *       {@code EventLoop.execute(Runnable)}.
 *   <li>{@code netty-default}: Netty's {@code DefaultEventLoop}, a single-thread executor that does no
 *       I/O (its thread blocks on a {@code LinkedBlockingQueue}): the floor for a hand-off between
 *       two threads with park/unpark.
 * </ul>
 */
interface Loops extends Executor, AutoCloseable {

    /** Every implementation name {@link #open} knows. */
    List<String> NAMES = List.of("ringnet-io_uring", "ringnet-epoll", "ringnet-nio",
            "netty-nio", "netty-epoll", "netty-io_uring", "netty-default");

    /** Runs {@code task} on the loop thread, after what is already queued. Any thread. */
    @Override
    void execute(Runnable task);

    /** Whether the calling thread is the loop thread. */
    boolean inLoop();

    /** Stops the loop and waits for its thread to finish. */
    @Override
    void close();

    /** Why the named loop cannot run here, or null if it can. */
    static String unavailable(String impl) {
        if (impl.startsWith("ringnet-")) {
            BackendInfo b = Backends.find(impl.substring("ringnet-".length()));
            return b.available() ? null : b.detail();
        }
        return switch (impl) {
            case "netty-epoll" -> Epoll.isAvailable() ? null : String.valueOf(Epoll.unavailabilityCause());
            case "netty-io_uring" -> IoUring.isAvailable() ? null : String.valueOf(IoUring.unavailabilityCause());
            default -> null;
        };
    }

    /** Opens and starts the named loop. */
    static Loops open(String impl) throws IOException {
        return switch (impl) {
            case "ringnet-io_uring" -> new Ringnet(IoContext.create("io_uring"));
            case "ringnet-epoll" -> new Ringnet(IoContext.create("epoll"));
            case "ringnet-nio" -> new Ringnet(IoContext.create("nio"));
            case "netty-nio" -> new Netty(NioIoHandler.newFactory());
            case "netty-epoll" -> {
                Epoll.ensureAvailability();
                yield new Netty(EpollIoHandler.newFactory());
            }
            case "netty-io_uring" -> {
                IoUring.ensureAvailability();
                yield new Netty(IoUringIoHandler.newFactory());
            }
            case "netty-default" -> new NettyDefault();
            default -> throw new IllegalArgumentException("unknown loop " + impl + "; one of " + NAMES);
        };
    }

    /**
     * Netty's own thread factory, as a Netty server gets by default: its threads are
     * {@code FastThreadLocalThread}s, which Netty's fast paths expect. Daemon threads, so that a
     * benchmark that fails half-way never keeps its JVM alive.
     */
    static ThreadFactory nettyThreads(String name) {
        return new DefaultThreadFactory(name, true);
    }

    /** ringnet: {@link IoContext#post(Runnable)} on a context running on its own thread. */
    final class Ringnet implements Loops {
        final IoContext ctx;

        Ringnet(IoContext ctx) {
            this.ctx = ctx;
            ctx.start("bench-ringnet-loop");
        }

        @Override
        public void execute(Runnable task) {
            ctx.post(task);
        }

        @Override
        public boolean inLoop() {
            return ctx.inEventLoop();
        }

        @Override
        public void close() {
            ctx.close();
        }
    }

    /** Netty: {@code EventLoop.execute} on the single loop of a one-thread IO event loop group. */
    final class Netty implements Loops {
        final EventLoopGroup group;
        final EventLoop loop;

        Netty(IoHandlerFactory handler) {
            group = new MultiThreadIoEventLoopGroup(1, nettyThreads("bench-netty-loop"), handler);
            loop = group.next();
            // Netty starts its thread on the first task: start it now, outside any measurement.
            loop.submit(() -> { }).syncUninterruptibly();
        }

        @Override
        public void execute(Runnable task) {
            loop.execute(task);
        }

        @Override
        public boolean inLoop() {
            return loop.inEventLoop();
        }

        @Override
        public void close() {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Netty's {@code DefaultEventLoop}: a task queue and a thread, no I/O. */
    final class NettyDefault implements Loops {
        final DefaultEventLoop loop = new DefaultEventLoop(nettyThreads("bench-netty-default"));

        NettyDefault() {
            loop.submit(() -> { }).syncUninterruptibly();
        }

        @Override
        public void execute(Runnable task) {
            loop.execute(task);
        }

        @Override
        public boolean inLoop() {
            return loop.inEventLoop();
        }

        @Override
        public void close() {
            loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
