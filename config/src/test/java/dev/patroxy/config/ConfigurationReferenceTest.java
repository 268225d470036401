package dev.patroxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's configuration reference names every key the loader reads, and no key it does not. */
class ConfigurationReferenceTest {
    private static final Path README = Path.of("..", "README.md");
    /** A reference row: its first cell, the key in backquotes. */
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z\\[\\].-]+)` \\|", Pattern.MULTILINE);

    @Test
    void everyKeyOfTheModelHasARowAndEveryRowIsAKey() throws IOException {
        String readme = Files.readString(README);
        int start = readme.indexOf("\n## Configuration");
        int end = readme.indexOf("\n## ", start + 1);
        Set<String> documented = new TreeSet<>();
        Matcher row = ROW.matcher(readme.substring(start, end));
        while (row.find()) {
            documented.add(row.group(1));
        }

        assertThat(documented).as("keys in the README's configuration reference")
                .containsAll(ConfigLoader.referenceKeys());
        assertThat(ConfigLoader.referenceKeys()).as("keys the loader reads").containsAll(documented);
    }
}
