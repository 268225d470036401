package dev.patroxy.config.haproxy;

import java.util.List;

/**
 * One line of haproxy.cfg as HAProxy splits it into words (quotes, escapes and environment variables resolved),
 * with its line number.
 *
 * @param shown the same words for messages: environment variables by name, since their values may be secrets
 */
record Directive(int line, List<String> words, List<String> shown) {
    Directive {
        words = List.copyOf(words);
        shown = List.copyOf(shown);
        if (shown.size() != words.size()) {
            throw new IllegalArgumentException("a shown word for every word");
        }
    }

    /** A line without environment variables, shown as it is. */
    Directive(int line, List<String> words) {
        this(line, words, words);
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

    /** The words from {@code from} up to {@code to}, or to the end if fewer, environment variables by name. */
    String text(int from, int to) {
        int end = Math.min(to, shown.size());
        return String.join(" ", shown.subList(Math.min(from, end), end));
    }

    String text() {
        return text(0);
    }
}
