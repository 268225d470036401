package dev.patroxy.proxy.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a line of the runtime API into commands and words as HAProxy's CLI does: an unescaped {@code ;} ends a
 * command, spaces and tabs separate words, a backslash makes the next character (a space, a {@code ;}, a backslash)
 * part of the word.
 */
final class CommandWords {
    private CommandWords() {
    }

    /**
     * The commands of {@code line}, each a list of its words. A command left empty between separators
     * ({@code show info;}) is dropped; an empty line is one command without words, which the CLI answers with its
     * usage, as HAProxy does.
     */
    static List<List<String>> commands(String line) {
        List<List<String>> commands = new ArrayList<>();
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                word = word == null ? new StringBuilder() : word;
                word.append(line.charAt(++i));
            } else if (c == '\\') {
                continue;
            } else if (c == ' ' || c == '\t' || c == ';') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                if (c == ';') {
                    commands.add(List.copyOf(words));
                    words.clear();
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        commands.add(List.copyOf(words));
        List<List<String>> given = commands.stream().filter(c -> !c.isEmpty()).toList();
        return given.isEmpty() ? List.of(List.of()) : given;
    }
}
