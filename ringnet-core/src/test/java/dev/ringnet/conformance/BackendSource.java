package dev.ringnet.conformance;

import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.Backends;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;

/**
 * Yields every backend {@link Backends#all()} knows, available here or not, so that a backend added
 * to that list (io_uring, epoll) is picked up by every conformance test without touching the tests.
 * An unavailable backend still produces an invocation: {@link #assumeAvailable} then reports it as
 * skipped with the reason, so it is never silently absent from the results.
 */
public final class BackendSource implements ArgumentsProvider {

    @Override
    public Stream<? extends Arguments> provideArguments(ExtensionContext context) {
        return backends();
    }

    /** One argument per known backend, displayed by its name. */
    public static Stream<Arguments> backends() {
        return Backends.all().stream().map(info -> Arguments.of(Named.of(info.name(), info)));
    }

    /** Skips the current test, visibly and with the reason, when the backend cannot run here. */
    public static void assumeAvailable(BackendInfo info) {
        Assumptions.assumeTrue(info.available(), () -> "backend " + info.name() + " unavailable: " + info.detail());
    }
}
