package dev.patroxy.proxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommandWordsTest {
    @Test
    void semicolonsSeparateCommandsAndBlanksSeparateWords() {
        assertThat(CommandWords.commands("show info; show stat -1 -1 -1"))
                .containsExactly(List.of("show", "info"), List.of("show", "stat", "-1", "-1", "-1"));
        assertThat(CommandWords.commands("  show \t  info\t")).containsExactly(List.of("show", "info"));
    }

    @Test
    void aBackslashKeepsTheNextCharacterInTheWord() {
        assertThat(CommandWords.commands("set server a\\;b/c\\ d state ready"))
                .containsExactly(List.of("set", "server", "a;b/c d", "state", "ready"));
        assertThat(CommandWords.commands("x\\\\y")).containsExactly(List.of("x\\y"));
        assertThat(CommandWords.commands("quit\\")).as("a backslash at the end escapes nothing")
                .containsExactly(List.of("quit"));
    }

    @Test
    void emptyCommandsBetweenSeparatorsAreDroppedButAnEmptyLineIsOneCommand() {
        assertThat(CommandWords.commands("show info;;")).containsExactly(List.of("show", "info"));
        assertThat(CommandWords.commands("")).containsExactly(List.of());
        assertThat(CommandWords.commands(" ; ")).containsExactly(List.of());
    }
}
