package dev.patroxy.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WeightChangeTest {
    @Test
    void readsAbsoluteAndRelativeWeightsAsHaproxyDoes() {
        assertThat(WeightChange.parse("7", 1, true).weight()).isEqualTo(7);
        assertThat(WeightChange.parse("50%", 10, true).weight()).isEqualTo(5);
        assertThat(WeightChange.parse("1000%", 100, true).weight()).as("capped").isEqualTo(256);
        assertThat(WeightChange.parse("0", 1, true).weight()).isZero();
    }

    @Test
    void refusesWithHaproxysAnswers() {
        assertThat(WeightChange.parse("", 1, true).error()).isEqualTo("Require <weight> or <weight%>.");
        assertThat(WeightChange.parse("x", 1, true).error())
                .isEqualTo("Empty weight string empty or preceded by garbage");
        assertThat(WeightChange.parse("-5%", 1, true).error()).isEqualTo("Relative weight must be positive.");
        assertThat(WeightChange.parse("257", 1, true).error())
                .isEqualTo("Absolute weight can only be between 0 and 256 inclusive.");
        assertThat(WeightChange.parse("99999999999999999999", 1, true).error())
                .isEqualTo("Absolute weight can only be between 0 and 256 inclusive.");
        assertThat(WeightChange.parse("5x", 1, true).error()).isEqualTo("Trailing garbage in weight string");
    }

    @Test
    void aPrimaryListenerTakesOnlyZeroAndTheInitialWeight() {
        String statik = "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.";
        assertThat(WeightChange.parse("2", 1, false).error()).isEqualTo(statik);
        assertThat(WeightChange.parse("0%", 1, false).error()).isNull();
        assertThat(WeightChange.parse("100%", 1, false).weight()).isEqualTo(1);
    }
}
