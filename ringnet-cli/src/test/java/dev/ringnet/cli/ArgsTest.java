package dev.ringnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {
    private static final Set<String> VALUES = Set.of("--port", "--host");
    private static final Set<String> FLAGS = Set.of("--udp");

    private static Args parse(String... argv) throws UsageException {
        return Args.parse(List.of(argv), VALUES, FLAGS);
    }

    @Test
    void readsValuesAndFlags() throws Exception {
        Args a = parse("--port", "7000", "--udp", "--host=::1");
        assertThat(a.port("--port")).isEqualTo(7000);
        assertThat(a.value("--host", "0.0.0.0")).isEqualTo("::1");
        assertThat(a.flag("--udp")).isTrue();
    }

    @Test
    void absentOptionsFallBack() throws Exception {
        Args a = parse();
        assertThat(a.value("--host", "0.0.0.0")).isEqualTo("0.0.0.0");
        assertThat(a.value("--host")).isEmpty();
        assertThat(a.flag("--udp")).isFalse();
        assertThatThrownBy(() -> a.port("--port")).isInstanceOf(UsageException.class).hasMessage("--port is required");
    }

    @Test
    void portMustBeANumberInRange() throws Exception {
        assertThat(parse("--port", "0").port("--port")).isZero();
        assertThat(parse("--port", "65535").port("--port")).isEqualTo(65535);
        for (String bad : List.of("65536", "-1", "http", "", "7000x", "99999999999")) {
            assertThatThrownBy(() -> parse("--port", bad).port("--port"))
                    .as("--port %s", bad)
                    .isInstanceOf(UsageException.class)
                    .hasMessageStartingWith("--port needs a number between 0 and 65535");
        }
    }

    @Test
    void rejectsUnknownOptions() {
        assertThatThrownBy(() -> parse("--port", "1", "--foo")).isInstanceOf(UsageException.class)
                .hasMessage("unknown option --foo");
        assertThatThrownBy(() -> parse("--foo=1")).hasMessage("unknown option --foo");
    }

    @Test
    void rejectsMissingValues() {
        assertThatThrownBy(() -> parse("--port")).isInstanceOf(UsageException.class).hasMessage("--port needs a value");
        assertThatThrownBy(() -> parse("--host", "--udp")).hasMessage("--host needs a value");
    }

    @Test
    void rejectsRepeatsStrayWordsAndFlagValues() {
        assertThatThrownBy(() -> parse("--port", "1", "--port", "2")).hasMessage("--port is given more than once");
        assertThatThrownBy(() -> parse("--udp", "--udp")).hasMessage("--udp is given more than once");
        assertThatThrownBy(() -> parse("7000")).hasMessage("unexpected argument '7000'");
        assertThatThrownBy(() -> parse("-p", "7000")).hasMessage("unexpected argument '-p'");
        assertThatThrownBy(() -> parse("--")).hasMessage("unexpected argument '--'");
        assertThatThrownBy(() -> parse("--udp=yes")).hasMessage("--udp takes no value");
    }
}
