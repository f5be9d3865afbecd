package dev.ringnet.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The Netty 4.2 comparison server, lean like Netty's TechEmpower entry: one event loop thread on
 * the chosen transport ({@code nio}, {@code epoll}, {@code io_uring}), Netty's
 * {@link HttpRequestDecoder} to parse, and a pre-encoded response (re-encoded once a second for
 * the Date header) written as a retained duplicate, no response encoder; flushed once per read
 * batch, so pipelined requests go out together.
 *
 * <p>{@code NettyHttpMain --port P [--host H] [--transport nio|epoll|io_uring]}; prints
 * {@code listening on HOST:PORT server netty transport T pid PID}, exits on SIGTERM.
 */
public final class NettyHttpMain {

    /** The current responses as direct buffers; replaced by the event loop once a second. */
    static final class Cached {
        volatile ByteBuf plaintext, json, notFound;

        void refresh() {
            HttpResponses r = HttpResponses.now("netty");
            ByteBuf p = plaintext, j = json, n = notFound;
            plaintext = direct(r.plaintext);
            json = direct(r.json);
            notFound = direct(r.notFound);
            if (p != null) {
                p.release();
                j.release();
                n.release();
            }
        }

        private static ByteBuf direct(byte[] b) {
            return Unpooled.directBuffer(b.length).writeBytes(b);
        }
    }

    @ChannelHandler.Sharable
    static final class Handler extends ChannelInboundHandlerAdapter {
        private final Cached cached;

        Handler(Cached cached) {
            this.cached = cached;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest req) {
                    String uri = req.uri();
                    ByteBuf r = uri.equals("/plaintext") ? cached.plaintext
                            : uri.equals("/json") ? cached.json : cached.notFound;
                    ctx.write(r.retainedDuplicate(), ctx.voidPromise());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** A started server. */
    record Running(EventLoopGroup group, Channel channel, int port) implements AutoCloseable {
        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Why {@code transport} cannot run here, or null if it can. */
    static Throwable unavailable(String transport) {
        return switch (transport) {
            case "nio" -> null;
            case "epoll" -> Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
            case "io_uring" -> IoUring.isAvailable() ? null : IoUring.unavailabilityCause();
            default -> new IllegalArgumentException("unknown transport " + transport + " (nio, epoll, io_uring)");
        };
    }

    static Running start(String host, int port, String transport) throws InterruptedException {
        Cached cached = new Cached();
        cached.refresh();
        Handler handler = new Handler(cached);
        return bind(host, port, transport,
                group -> group.next().scheduleAtFixedRate(cached::refresh, 1, 1, TimeUnit.SECONDS),
                c -> c.pipeline().addLast(new HttpRequestDecoder(), handler));
    }

    /**
     * A server on one event loop of {@code transport}: SO_BACKLOG 8192, SO_REUSEADDR, TCP_NODELAY
     * on accepted channels, {@code init} setting up each channel's pipeline. Shared with
     * {@link NettyEchoMain}.
     */
    static Running bind(String host, int port, String transport, Consumer<EventLoopGroup> onGroup,
                        Consumer<SocketChannel> init) throws InterruptedException {
        Throwable why = unavailable(transport);
        if (why != null) {
            throw new IllegalStateException("netty transport " + transport + " unavailable: " + why, why);
        }
        IoHandlerFactory factory;
        Class<? extends ServerChannel> channelClass;
        switch (transport) {
            case "epoll" -> { factory = EpollIoHandler.newFactory(); channelClass = EpollServerSocketChannel.class; }
            case "io_uring" -> { factory = IoUringIoHandler.newFactory(); channelClass = IoUringServerSocketChannel.class; }
            default -> { factory = NioIoHandler.newFactory(); channelClass = NioServerSocketChannel.class; }
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, factory);
        try {
            onGroup.accept(group);
            Channel ch = new ServerBootstrap().group(group).channel(channelClass)
                    .option(ChannelOption.SO_BACKLOG, 8192)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            init.accept(c);
                        }
                    })
                    .bind(new InetSocketAddress(host, port)).sync().channel();
            return new Running(group, ch, ((InetSocketAddress) ch.localAddress()).getPort());
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public static void main(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of("--port", "--host", "--transport"), Set.of());
        String host = a.string("--host", "127.0.0.1");
        String transport = a.string("--transport", "io_uring");
        Running r = start(host, a.integer("--port", 8080, 0), transport);
        Runtime.getRuntime().addShutdownHook(new Thread(r::close));
        System.out.println("listening on " + host + ":" + r.port() + " server netty transport " + transport
                + " pid " + ProcessHandle.current().pid());
        System.out.flush();
        r.channel().closeFuture().sync();
    }
}
