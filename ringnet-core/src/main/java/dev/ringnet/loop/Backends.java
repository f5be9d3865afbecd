package dev.ringnet.loop;

import dev.ringnet.backend.Backend;
import dev.ringnet.backend.OpSink;
import dev.ringnet.backend.epoll.EpollBackend;
import dev.ringnet.backend.epoll.EpollProbe;
import dev.ringnet.backend.nio.NioBackend;
import dev.ringnet.backend.uring.UringBackend;
import dev.ringnet.backend.uring.UringProbe;
import java.io.IOException;
import java.nio.channels.Selector;
import java.util.List;
import java.util.Locale;

/**
 * The backends ringnet knows, in the order {@code auto} prefers them, and how to probe and create
 * each one.
 *
 * <pre>{@code
 * for (BackendInfo b : Backends.all()) System.out.println(b);
 * System.out.println("auto picks " + Backends.auto().name());
 * }</pre>
 */
public final class Backends {
    /** The name that picks the best available backend. */
    public static final String AUTO = "auto";

    private static final System.Logger LOG = System.getLogger("dev.ringnet.loop");

    private static volatile boolean autoLogged;

    private Backends() {}

    /** Every known backend with its availability here, in {@code auto}'s order of preference. */
    public static List<BackendInfo> all() {
        return List.of(probeUring(), probeEpoll(), probeNio());
    }

    /** The backend {@code auto} selects: the first available in {@link #all()}'s order. */
    public static BackendInfo auto() {
        for (BackendInfo info : all()) {
            if (info.available()) {
                return info;
            }
        }
        throw new IllegalStateException("no ringnet backend is available here: " + all());
    }

    /** Looks a backend up by name ({@code auto} resolves to {@link #auto()}). */
    public static BackendInfo find(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        if (wanted.equals(AUTO)) {
            return auto();
        }
        for (BackendInfo info : all()) {
            if (info.name().equals(wanted)) {
                return info;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "'; known: auto, "
                + String.join(", ", all().stream().map(BackendInfo::name).toList()));
    }

    static Backend create(String name, OpSink sink) throws IOException {
        BackendInfo info = find(name);
        if (!info.available()) {
            throw new IOException("backend " + info.name() + " is unavailable: " + info.detail());
        }
        if (name.equalsIgnoreCase(AUTO) && !autoLogged) {
            autoLogged = true; // once per process: a server with N loops should not say it N times
            List<String> skipped = all().stream().filter(b -> !b.available()).map(BackendInfo::toString).toList();
            LOG.log(System.Logger.Level.INFO, "auto selected backend {0} ({1}){2}", info.name(), info.detail(),
                    skipped.isEmpty() ? "" : "; skipped " + String.join("; ", skipped));
        }
        return switch (info.name()) {
            case "io_uring" -> new UringBackend(sink);
            case "epoll" -> new EpollBackend(sink);
            case "nio" -> new NioBackend(sink);
            default -> throw new IllegalStateException("no factory for backend " + info.name());
        };
    }

    private static BackendInfo probeUring() {
        UringProbe.Support support = UringProbe.support();
        return new BackendInfo("io_uring", support.available(), support.detail());
    }

    private static BackendInfo probeEpoll() {
        EpollProbe.Support support = EpollProbe.support();
        return new BackendInfo("epoll", support.available(), support.detail());
    }

    private static BackendInfo probeNio() {
        try (Selector s = Selector.open()) {
            return new BackendInfo("nio", true, "java.nio " + s.provider().getClass().getSimpleName());
        } catch (IOException | RuntimeException e) {
            return new BackendInfo("nio", false, "cannot open a java.nio Selector: " + e);
        }
    }
}
