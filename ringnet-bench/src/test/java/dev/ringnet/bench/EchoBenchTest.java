package dev.ringnet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The orchestrator's pure parts: options and the median/min/max summary. */
class EchoBenchTest {

    @Test
    void spreadIsMedianMinMaxOfTheFiniteValues() {
        assertThat(EchoBench.spread(List.of(3.0, 1.0, 2.0, Double.NaN, 5.0, 4.0))).containsExactly(3.0, 1.0, 5.0);
        assertThat(EchoBench.spread(List.of(4.0, 1.0, 2.0, 3.0))).containsExactly(2.5, 1.0, 4.0);
        assertThat(EchoBench.spread(List.of(Double.NaN))).isNull();
    }

    @Test
    void quickMeansTwoShortRoundsAndExplicitOptionsWin() {
        EchoBench.Options quick = EchoBench.parse(new String[] {"--quick", "--backends", "nio"});
        assertThat(quick.rounds()).isEqualTo(2);
        assertThat(quick.warmupNanos()).isEqualTo(1_000_000_000L);
        assertThat(quick.measureNanos()).isEqualTo(2_000_000_000L);
        assertThat(quick.backends()).containsExactly("nio");

        EchoBench.Options custom = EchoBench.parse(new String[] {"--quick", "--rounds", "3", "--connections=16",
                "--measure", "1.5", "--backends", "nio"});
        assertThat(custom.rounds()).isEqualTo(3);
        assertThat(custom.connections()).isEqualTo(16);
        assertThat(custom.measureNanos()).isEqualTo(1_500_000_000L);
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThatThrownBy(() -> EchoBench.parse(new String[] {"--rounds", "0"})).isInstanceOf(Args.UsageException.class);
        assertThatThrownBy(() -> EchoBench.parse(new String[] {"--backends", "nope"}))
                .isInstanceOf(Args.UsageException.class).hasMessageContaining("nope");
        assertThatThrownBy(() -> EchoBench.parse(new String[] {"--frobnicate"})).isInstanceOf(Args.UsageException.class);
    }
}
