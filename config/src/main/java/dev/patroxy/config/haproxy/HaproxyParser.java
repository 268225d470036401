package dev.patroxy.config.haproxy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Splits haproxy.cfg into sections and their lines the way HAProxy's own parser does: words apart by blanks, a
 * {@code #} outside quotes ends the line, double quotes keep blanks and read backslash escapes, single quotes keep
 * everything as it is, and a backslash outside quotes escapes the next character.
 */
final class HaproxyParser {
    static final Set<String> SECTION_KEYWORDS = Set.of("global", "defaults", "frontend", "backend", "listen",
            "resolvers", "peers", "userlist", "mailers", "program", "http-errors", "ring", "cache", "fcgi-app",
            "log-forward", "crt-store", "traces", "acme");
    /** HAProxy's conditional blocks choose lines by its own version and build: the importer cannot tell which. */
    private static final Set<String> CONDITIONALS = Set.of(".if", ".elif", ".else", ".endif");

    private final Path file;
    private final List<ImportNote> notes;

    HaproxyParser(Path file, List<ImportNote> notes) {
        this.file = file;
        this.notes = notes;
    }

    List<Section> sections(String text) throws HaproxyImportException {
        List<Section> sections = new ArrayList<>();
        Directive header = null;
        List<Directive> body = new ArrayList<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            List<String> words = words(lines[i], i + 1);
            if (words.isEmpty()) {
                continue;
            }
            Directive directive = new Directive(i + 1, words);
            String keyword = directive.keyword();
            if (CONDITIONALS.contains(keyword)) {
                throw new HaproxyImportException(file, i + 1, keyword + ": conditional blocks are not imported;"
                        + " resolve them first (haproxy -dD or by hand) and import the result");
            }
            if (keyword.startsWith(".")) {
                continue;
            }
            if (SECTION_KEYWORDS.contains(keyword)) {
                if (header != null) {
                    sections.add(new Section(header, body));
                }
                header = directive;
                body = new ArrayList<>();
            } else if (header == null) {
                notes.add(new ImportNote(i + 1, keyword, "outside any section: HAProxy refuses it; ignored"));
            } else {
                body.add(directive);
            }
        }
        if (header != null) {
            sections.add(new Section(header, body));
        }
        return sections;
    }

    /** The words of one line; an unterminated quote is the one thing on a line that HAProxy cannot read at all. */
    private List<String> words(String line, int number) throws HaproxyImportException {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
                continue;
            }
            if (c == '\\' && i + 1 < line.length()) {
                word = word == null ? new StringBuilder() : word;
                i = escape(line, i, word);
                continue;
            }
            if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else {
                    word.append(c);
                }
                continue;
            }
            if (c == '#') {
                break;
            }
            if (c == ' ' || c == '\t') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                continue;
            }
            word = word == null ? new StringBuilder() : word;
            if (c == '"' || c == '\'') {
                quote = c;
            } else {
                word.append(c);
            }
        }
        if (quote != 0) {
            throw new HaproxyImportException(file, number, "unterminated " + (quote == '"' ? "double" : "single")
                    + " quote");
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    /** Appends the character escaped at {@code line[at]} (a backslash) and gives the index of its last character. */
    private static int escape(String line, int at, StringBuilder word) {
        char next = line.charAt(at + 1);
        switch (next) {
            case 'n' -> word.append('\n');
            case 'r' -> word.append('\r');
            case 't' -> word.append('\t');
            case 'x' -> {
                if (at + 3 < line.length() && isHex(line.charAt(at + 2)) && isHex(line.charAt(at + 3))) {
                    word.append((char) Integer.parseInt(line.substring(at + 2, at + 4), 16));
                    return at + 3;
                }
                word.append('\\').append(next);
            }
            case ' ', '#', '\\', '\'', '"', '$' -> word.append(next);
            default -> word.append('\\').append(next);
        }
        return at + 1;
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }
}
