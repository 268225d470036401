package dev.patroxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.HashMap;
import java.util.Map;

/**
 * Any value and environment: {@link EnvSubstitution#resolve} gives a string or says why it cannot, never another
 * exception; a value without {@code $} is itself; a literal text escaped with {@code $$} around one reference comes
 * back as the text with the variable's value (or its default) in place.
 */
class EnvSubstitutionFuzzTest {
    @FuzzTest
    void resolvesOrSaysWhy(FuzzedDataProvider data) {
        Map<String, String> env = new HashMap<>();
        String name = data.consumeString(8);
        String value = data.consumeString(16);
        if (data.consumeBoolean()) {
            env.put(name, value);
        }
        String fallback = data.consumeString(8);
        String before = data.consumeString(32);
        String after = data.consumeString(32);
        String text = data.consumeRemainingAsString();

        try {
            String resolved = EnvSubstitution.resolve(text, env);
            if (text.indexOf('$') < 0) {
                assertThat(resolved).isEqualTo(text);
            }
        } catch (EnvSubstitution.Unresolved e) {
            assertThat(e.getMessage()).isNotBlank();
        }

        boolean usable = name.matches("[A-Za-z_][A-Za-z0-9_]*") && fallback.indexOf('}') < 0;
        if (!usable) {
            return;
        }
        String reference = "${" + name + ":-" + fallback + "}";
        String escaped = escape(before) + reference + escape(after);
        String expected = before + (env.containsKey(name) && !value.isEmpty() ? value : fallback) + after;
        try {
            assertThat(EnvSubstitution.resolve(escaped, env)).isEqualTo(expected);
        } catch (EnvSubstitution.Unresolved e) {
            throw new AssertionError("a reference with a default must resolve: " + escaped, e);
        }
    }

    private static String escape(String literal) {
        return literal.replace("$", "$$");
    }
}
