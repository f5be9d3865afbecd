import dev.ringnet.io.*;
import dev.ringnet.loop.*;
import dev.ringnet.net.*;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Echo server in one of three styles on one loop, for scripts/task-styles.sh: {@code callback} (the
 * callback form), {@code affine} (a loop-affine virtual-thread task per connection, blocking form)
 * or {@code default} (a default-scheduler virtual-thread task per connection, blocking form).
 * Usage: java -cp ringnet-core.jar scripts/TaskStylesEchoServer.java STYLE PORT [BACKEND]
 */
public class TaskStylesEchoServer {
    public static void main(String[] a) throws Exception {
        String style = a[0];
        int port = Integer.parseInt(a[1]);
        IoContext ctx = IoContext.create(a.length > 2 ? a[2] : "auto");
        TcpListener l = TcpListener.bind(ctx, new InetSocketAddress("127.0.0.1", port));
        if (style.equals("callback")) {
            ctx.post(() -> l.acceptMany((ResultHandler<TcpSocket, Void>) (s, e, x) -> { if (e == null) new Conn(s).read(); }, null));
            System.out.println("listening " + ctx.backendName() + " " + style);
            ctx.run();
            return;
        }
        boolean affine = style.equals("affine");
        ctx.start("loop");
        System.out.println("listening " + ctx.backendName() + " " + style + " loopAffine=" + ctx.loopAffineTasks());
        while (true) {
            TcpSocket s = l.accept();
            java.util.concurrent.Callable<Void> body = () -> {
                ByteBuffer b = ByteBuffer.allocateDirect(1024);
                while (s.recv(b) > 0) { b.flip(); s.sendAll(b); b.clear(); }
                s.close();
                return null;
            };
            if (affine) ctx.spawn(body); else ctx.spawnOffLoop(body);
        }
    }
    static final class Conn {
        final TcpSocket s; final ByteBuffer b = ByteBuffer.allocateDirect(1024);
        Conn(TcpSocket s) { this.s = s; }
        static final IoHandler<Conn> R = (n, e, c) -> { if (e != null || n < 0) { c.s.close(); return; } c.b.flip(); c.s.sendAll(c.b, Conn.W, c); };
        static final IoHandler<Conn> W = (n, e, c) -> { if (e != null) { c.s.close(); return; } c.b.clear(); c.read(); };
        void read() { s.recv(b, R, this); }
    }
}
