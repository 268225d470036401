package dev.patroxy.proxy.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
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
        for (String bad : new String[] {"", "{", "{\"a\" 1}", "[1,]", "{\"a\":1} x", "\"\\x\"", "nul", "-",
                "{\"a\":1,\"a\":2}"}) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        assertThatThrownBy(() -> Json.parse("[".repeat(20_000))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not JSON: ");
        assertThatThrownBy(() -> Json.parse("{\"a\":".repeat(65) + "1" + "}".repeat(65)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("depth");
        assertThat(Json.parse("[".repeat(64) + "]".repeat(64))).isInstanceOf(List.class);
    }

    @Test
    void refusesWhatJsonForbidsEvenWhereANumberOrEscapeCouldBeGuessed() {
        for (String bad : new String[] {".5", "[.5]", "\"\\u+123\"", "01", "+1", "NaN", "[1 2]", "'a'", "{a:1}"}) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("not JSON: ");
        }
    }

    @Test
    void wholeNumbersAreLongsOrBigIntegersBeyondALong() {
        assertThat(Json.parse("[7, 9223372036854775807, 9223372036854775808]")).isEqualTo(
                List.of(7L, Long.MAX_VALUE, new BigInteger("9223372036854775808")));
    }
}
