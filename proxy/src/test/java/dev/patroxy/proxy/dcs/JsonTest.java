package dev.patroxy.proxy.dcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void readsObjectsArraysNumbersLiteralsAndEscapes() {
        Object value = Json.parse(" {\"a\": [1, -2, 2.5, true, false, null], \"s\": \"q\\\"\\\\\\/\\n\\u00e9\", "
                + "\"o\": {}} ");

        assertThat(value).isEqualTo(Map.of(
                "a", Arrays.asList(1L, -2L, 2.5, true, false, null),
                "s", "q\"\\/\né",
                "o", Map.of()));
        assertThat(Json.parse("[]")).isEqualTo(List.of());
    }

    @Test
    void refusesWhatIsNotOneCompleteValue() {
        for (String bad : new String[] {"", "{", "{\"a\" 1}", "[1,]", "{\"a\":1} x", "\"\\x\"", "nul", "-"}) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
