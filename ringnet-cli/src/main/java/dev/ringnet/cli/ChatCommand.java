package dev.ringnet.cli;

import dev.ringnet.loop.IoContext;
import dev.ringnet.loop.LoopScheduler;
import dev.ringnet.net.TcpListener;
import dev.ringnet.net.TcpSocket;
import dev.ringnet.sync.Channel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ringnet chat --port P [--host H] [--backend NAME]}: a line-based chat server written as
 * tasks (loop-affine when available) with one {@link Channel} per room.
 *
 * <p>Every client starts in room {@code lobby} and is greeted with {@code * welcome userN, you are
 * in lobby}; {@code /join NAME} moves it to room NAME (answered {@code * you are in NAME}); any
 * other line reaches every other client in the sender's room as {@code userN: line}. Per client,
 * one task reads lines and one task writes the client's outbox; per room, one task fans the room's
 * channel out to its members. Runs until SIGINT or SIGTERM, like {@code echo}.
 */
final class ChatCommand {
    static final String LOBBY = "lobby";

    private ChatCommand() {}

    /** What to serve. */
    record Config(String host, InetSocketAddress address, String backend) {}

    static Config parse(List<String> argv) throws UsageException {
        Args args = Args.parse(argv, Set.of("--port", "--host", "--backend"), Set.of());
        int port = args.port("--port");
        String host = args.host(EchoCommand.DEFAULT_HOST);
        String backend = args.backend();
        InetSocketAddress address = Args.bindAddress(host, port);
        return new Config(host, address, backend);
    }

    static int run(Config config, PrintStream out, PrintStream err) {
        Server server;
        try {
            server = Server.start(config.address(), config.backend());
        } catch (IOException | IllegalStateException e) {
            err.println("ringnet chat: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return Main.EXIT_FAILURE;
        }
        Thread hook = Thread.ofPlatform().name("ringnet-chat-shutdown").unstarted(() -> {
            if (server.stop()) {
                out.flush();
                err.flush();
                Runtime.getRuntime().halt(Main.EXIT_OK);
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("ringnet chat listening on " + EchoCommand.hostAndPort(config.host(), server.address().getPort())
                + " (backend " + server.backendName() + ", loop-affine tasks " + LoopScheduler.availability() + ")");
        out.flush();
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            server.stop();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook exits
        }
        return Main.EXIT_OK;
    }

    /** The running chat service: its address and a stop handle, safe from any thread. */
    static final class Server implements AutoCloseable {
        private final IoContext ctx;
        private final TcpListener listener;
        private final InetSocketAddress address;
        private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
        private final Set<Client> clients = ConcurrentHashMap.newKeySet();
        private final AtomicInteger ids = new AtomicInteger();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final CountDownLatch terminated = new CountDownLatch(1);

        private Server(IoContext ctx, TcpListener listener, InetSocketAddress address) {
            this.ctx = ctx;
            this.listener = listener;
            this.address = address;
        }

        /** Binds {@code local} on a new context and starts accepting on its own loop thread. */
        static Server start(InetSocketAddress local, String backend) throws IOException {
            IoContext ctx = IoContext.create(backend);
            try {
                TcpListener listener;
                try {
                    listener = TcpListener.bind(ctx, local); // this thread is the loop thread until start()
                } catch (IOException e) {
                    throw new IOException("cannot listen on " + EchoCommand.hostAndPort(local) + ": "
                            + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
                }
                Server server = new Server(ctx, listener, listener.localAddress());
                ctx.start("ringnet-chat-loop");
                ctx.spawn(server::acceptLoop);
                return server;
            } catch (IOException | RuntimeException e) {
                ctx.close();
                throw e;
            }
        }

        InetSocketAddress address() {
            return address;
        }

        String backendName() {
            return ctx.backendName();
        }

        /** Rooms that exist now (created on first join, never removed). */
        Set<String> roomNames() {
            return Set.copyOf(rooms.keySet());
        }

        private Void acceptLoop() {
            while (!stopped.get()) {
                TcpSocket socket;
                try {
                    socket = listener.accept();
                } catch (IOException e) {
                    break; // the listener closed (stop) or the loop ended
                }
                Client client = new Client(this, socket, "user" + ids.incrementAndGet());
                clients.add(client);
                ctx.spawn(client::write);
                ctx.spawn(client::read);
            }
            return null;
        }

        Room room(String name) {
            return rooms.computeIfAbsent(name, n -> {
                Room room = new Room(n);
                ctx.spawn(room::fanOut);
                return room;
            });
        }

        /**
         * Stops serving: closes the listener, every room and every client, then the loop.
         *
         * @return true if this call stopped it
         */
        boolean stop() {
            if (!stopped.compareAndSet(false, true)) {
                return false;
            }
            try {
                ctx.execute(listener::close);
            } catch (RuntimeException closed) {
                // already closed
            }
            rooms.values().forEach(r -> r.inbox.close());
            clients.forEach(c -> c.outbox.close());
            ctx.close();
            terminated.countDown();
            return true;
        }

        void awaitTermination() throws InterruptedException {
            terminated.await();
        }

        @Override
        public void close() {
            stop();
        }
    }

    /** A message posted to a room. */
    private record Message(Client from, String line) {}

    /** A room: its channel of messages and its members; one task fans each message out. */
    private static final class Room {
        final String name;
        final Channel<Message> inbox = Channel.unbounded();
        final Set<Client> members = ConcurrentHashMap.newKeySet();

        Room(String name) {
            this.name = name;
        }

        Void fanOut() throws InterruptedException {
            for (Optional<Message> m; (m = inbox.receive()).isPresent(); ) {
                Message message = m.get();
                for (Client c : members) {
                    if (c != message.from()) {
                        c.outbox.trySend(message.line()); // unbounded: never refused while open
                    }
                }
            }
            return null;
        }
    }

    /** One connection: a reader task parsing lines, a writer task draining the outbox. */
    private static final class Client {
        final Server server;
        final TcpSocket socket;
        final String name;
        final Channel<String> outbox = Channel.unbounded();
        volatile Room room;

        Client(Server server, TcpSocket socket, String name) {
            this.server = server;
            this.socket = socket;
            this.name = name;
        }

        Void read() {
            try {
                moveTo(ChatCommand.LOBBY, "* welcome " + name + ", you are in ");
                ByteBuffer in = ByteBuffer.allocate(4096);
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                while (socket.recv(in) > 0) {
                    in.flip();
                    while (in.hasRemaining()) {
                        byte b = in.get();
                        if (b == '\n') {
                            onLine(line.toString(StandardCharsets.UTF_8).stripTrailing());
                            line.reset();
                        } else {
                            line.write(b);
                        }
                    }
                    in.clear();
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                // disconnected, or the server stopped
            } finally {
                Room r = room;
                if (r != null) {
                    r.members.remove(this);
                }
                server.clients.remove(this);
                outbox.close(); // the writer ends after what is queued
            }
            return null;
        }

        private void onLine(String text) throws InterruptedException, IOException {
            if (text.startsWith("/join ") && !text.substring(6).isBlank()) {
                moveTo(text.substring(6).strip(), "* you are in ");
            } else if (!text.isEmpty()) {
                room.inbox.send(new Message(this, name + ": " + text));
            }
        }

        private void moveTo(String roomName, String notice) {
            Room old = room;
            if (old != null) {
                old.members.remove(this);
            }
            Room next = server.room(roomName);
            next.members.add(this);
            room = next;
            outbox.trySend(notice + next.name);
        }

        Void write() {
            try (TcpSocket s = socket) {
                for (Optional<String> m; (m = outbox.receive()).isPresent(); ) {
                    s.sendAll(ByteBuffer.wrap((m.get() + "\n").getBytes(StandardCharsets.UTF_8)));
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                // disconnected, or the server stopped
            }
            return null;
        }
    }
}
