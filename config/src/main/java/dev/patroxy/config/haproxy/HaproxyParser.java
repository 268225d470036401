package dev.patroxy.config.haproxy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits haproxy.cfg into sections and their lines the way HAProxy's own parser does: words apart by blanks, a
 * {@code #} outside quotes ends the line, double quotes keep blanks and read backslash escapes, single quotes keep
 * everything as it is, and a backslash outside quotes escapes the next character. Inside double quotes
 * {@code $NAME}, {@code ${NAME}} and {@code ${NAME-default}} are environment variables, as HAProxy reads them at start;
 * the importer reads them from its own environment and says so.
 */
final class HaproxyParser {
    static final Set<String> SECTION_KEYWORDS = Set.of("global", "defaults", "frontend", "backend", "listen",
            "resolvers", "peers", "userlist", "mailers", "program", "http-errors", "ring", "cache", "fcgi-app",
            "log-forward", "crt-store", "traces", "acme");
    /** HAProxy's conditional blocks choose lines by its own version and build: the importer cannot tell which. */
    private static final Set<String> CONDITIONALS = Set.of(".if", ".elif", ".else", ".endif");

    /** What HAProxy reads as an environment variable after a {@code $} in double quotes. */
    private static final Pattern VARIABLE = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)(?:-([^}]*))?}|([A-Za-z_][A-Za-z0-9_]*)");

    private final Path file;
    private final List<ImportNote> notes;
    private final UnaryOperator<String> environment;

    /** @param environment a variable's value, or null where it is not set */
    HaproxyParser(Path file, List<ImportNote> notes, UnaryOperator<String> environment) {
        this.file = file;
        this.notes = notes;
        this.environment = environment;
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
                } else if (c == '$') {
                    i = variable(line, i, number, word);
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

    /**
     * Appends the value of the environment variable named at {@code line[at]} (a {@code $}), or the {@code $} itself
     * where no name follows it, and gives the index of its last character.
     */
    private int variable(String line, int at, int number, StringBuilder word) throws HaproxyImportException {
        Matcher name = VARIABLE.matcher(line).region(at + 1, line.length());
        if (!name.lookingAt()) {
            word.append('$');
            return at;
        }
        String variable = name.group(1) != null ? name.group(1) : name.group(3);
        // Named without its default, which may be a secret.
        String written = name.group(1) != null ? "${" + variable + "}" : "$" + variable;
        String value = environment.apply(variable);
        if (value == null && name.group(2) == null) {
            throw new HaproxyImportException(file, number, written + ": the environment variable " + variable
                    + " is not set here, and HAProxy would read it as empty: set it as HAProxy's service has it,"
                    + " and import again");
        }
        word.append(value != null ? value : name.group(2));
        notes.add(new ImportNote(number, written, value != null
                ? "read from the environment of this import: the YAML holds its value, where HAProxy reads it at"
                        + " each start (write ${" + variable + "} in the YAML to read it at start instead)"
                : "not set here: the YAML holds its default, where HAProxy reads the variable at each start"));
        return name.end() - 1;
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
