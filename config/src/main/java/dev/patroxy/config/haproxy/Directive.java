package dev.patroxy.config.haproxy;

import java.util.List;

/** One line of haproxy.cfg as HAProxy splits it into words (quotes and escapes resolved), with its line number. */
record Directive(int line, List<String> words) {
    Directive {
        words = List.copyOf(words);
    }

    String keyword() {
        return words.get(0);
    }

    /** The word at {@code index} (0 is the keyword), or null past the end. */
    String word(int index) {
        return index < words.size() ? words.get(index) : null;
    }

    List<String> args() {
        return words.subList(1, words.size());
    }

    /** The words from {@code from} on, as one would write them (for messages). */
    String text(int from) {
        return text(from, words.size());
    }

    /** The words from {@code from} up to {@code to}, or to the end if fewer. */
    String text(int from, int to) {
        int end = Math.min(to, words.size());
        return String.join(" ", words.subList(Math.min(from, end), end));
    }

    String text() {
        return text(0);
    }
}
