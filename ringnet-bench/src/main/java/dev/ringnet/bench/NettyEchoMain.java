package dev.ringnet.bench;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.Set;

/**
 * The Netty 4.2 echo server of the benchmark's {@code echo} shape: one event loop thread on the
 * chosen transport ({@code nio}, {@code epoll}, {@code io_uring}) and one shared handler that
 * writes every buffer it reads back as it is (no copy: the read buffer itself goes out), flushed
 * once per read batch. Nothing else in the pipeline.
 *
 * <p>{@code NettyEchoMain --port P [--host H] [--transport nio|epoll|io_uring]}; prints
 * {@code listening on HOST:PORT server netty transport T pid PID}, exits on SIGTERM.
 */
public final class NettyEchoMain {
    private NettyEchoMain() {}

    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        static final Echo INSTANCE = new Echo();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());  // the write releases the buffer once sent
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

    static NettyHttpMain.Running start(String host, int port, String transport) throws InterruptedException {
        return NettyHttpMain.bind(host, port, transport, group -> {}, c -> c.pipeline().addLast(Echo.INSTANCE));
    }

    public static void main(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of("--port", "--host", "--transport"), Set.of());
        String host = a.string("--host", "127.0.0.1");
        String transport = a.string("--transport", "io_uring");
        NettyHttpMain.Running r = start(host, a.integer("--port", 7000, 0), transport);
        Runtime.getRuntime().addShutdownHook(new Thread(r::close));
        System.out.println("listening on " + host + ":" + r.port() + " server netty transport " + transport
                + " pid " + ProcessHandle.current().pid());
        System.out.flush();
        r.channel().closeFuture().sync();
    }
}
