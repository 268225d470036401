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
    private static final Pattern VARIABLE = Pattern.compile(
            "\\{([A-Za-z_][A-Za-z0-9_]*)(?:-([^}]*)|(\\[\\*]))?}|([A-Za-z_][A-Za-z0-9_]*)");

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
            Directive directive = directive(lines[i], i + 1);
            if (directive.words().isEmpty()) {
                continue;
            }
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
    private Directive directive(String line, int number) throws HaproxyImportException {
        List<String> words = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        Word word = null;
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
                word = word == null ? new Word() : word;
                i = escape(line, i, word);
                continue;
            }
            if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '$') {
                    i = variable(line, i, number, word, true);
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
                    words.add(word.value.toString());
                    shown.add(word.shown.toString());
                    word = null;
                }
                continue;
            }
            word = word == null ? new Word() : word;
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
            words.add(word.value.toString());
            shown.add(word.shown.toString());
        }
        expandAddress(words, number);
        return new Directive(number, words, shown);
    }

    /**
     * HAProxy reads environment variables once more in an address, wherever they were written (unquoted, in single
     * quotes, escaped): the addresses of {@code bind} and {@code server} go through the same expansion. Messages
     * show the address as written.
     */
    private void expandAddress(List<String> words, int number) throws HaproxyImportException {
        int at = words.isEmpty() ? -1 : switch (words.get(0)) {
            case "bind" -> 1;
            case "server" -> 2;
            default -> -1;
        };
        if (at < 0 || at >= words.size() || words.get(at).indexOf('$') < 0) {
            return;
        }
        String address = words.get(at);
        Word expanded = new Word();
        for (int i = 0; i < address.length(); i++) {
            if (address.charAt(i) == '$') {
                i = variable(address, i, number, expanded, false);
            } else {
                expanded.append(address.charAt(i));
            }
        }
        words.set(at, expanded.value.toString());
    }

    /**
     * Appends the value of the environment variable named at {@code text[at]} (a {@code $}) and gives the index of
     * its last character; refuses what HAProxy refuses. {@code quoted}: in double quotes, where HAProxy also takes
     * {@code ${NAME-default}}, {@code ${NAME[*]}} and its {@code $.LINE} and {@code $.FILE}.
     */
    private int variable(String text, int at, int number, Word word, boolean quoted) throws HaproxyImportException {
        if (quoted && text.startsWith(".LINE", at + 1)) {
            word.append(Integer.toString(number));
            return at + 5;
        }
        if (quoted && text.startsWith(".FILE", at + 1)) {
            word.append(file.toString());
            return at + 5;
        }
        Matcher name = VARIABLE.matcher(text).region(at + 1, text.length());
        if (!name.lookingAt()) {
            String rest = text.substring(at, Math.min(text.length(), at + 12));
            if (!quoted) {
                // An address: HAProxy reads what follows as a name; nothing to read, nothing to expand.
                word.append('$');
                return at;
            }
            throw new HaproxyImportException(file, number, "'" + rest + "': "
                    + (at + 1 < text.length() && text.charAt(at + 1) == '{'
                            ? "HAProxy takes ${NAME} or ${NAME-default} here (a name of letters, digits and '_', not"
                                    + " starting with a digit, then '}'), and refuses the rest"
                            : "HAProxy refuses a $ in double quotes that no variable name follows; write \\$ for a"
                                    + " literal $"));
        }
        String variable = name.group(1) != null ? name.group(1) : name.group(4);
        // Named without its default, which may be a secret.
        String written = name.group(1) != null ? "${" + variable + "}" : "$" + variable;
        if (name.group(3) != null) {
            throw new HaproxyImportException(file, number, "${" + variable + "[*]}: HAProxy's expansion of a variable"
                    + " into several words is not imported; write the words out and import again");
        }
        if (!quoted && name.group(2) != null) {
            word.append('$');
            return at;
        }
        String value = environment.apply(variable);
        if (value == null && name.group(2) == null) {
            throw new HaproxyImportException(file, number, written + ": the environment variable " + variable
                    + " is not set here, and HAProxy would read it as empty: set it as HAProxy's service has it,"
                    + " and import again");
        }
        word.value.append(value != null ? value : name.group(2));
        word.shown.append(written);
        notes.add(new ImportNote(number, written, value != null
                ? "read from the environment of this import: the YAML holds its value, where HAProxy reads it at"
                        + " each start (write ${" + variable + "} in the YAML to read it at start instead)"
                : "not set here: the YAML holds its default, where HAProxy reads the variable at each start"));
        return name.end() - 1;
    }

    /** A word being read: its value, and the same as messages show it, with variables by name, not value. */
    private static final class Word {
        final StringBuilder value = new StringBuilder();
        final StringBuilder shown = new StringBuilder();

        Word append(char c) {
            value.append(c);
            shown.append(c);
            return this;
        }

        Word append(String text) {
            value.append(text);
            shown.append(text);
            return this;
        }
    }

    /** Appends the character escaped at {@code line[at]} (a backslash) and gives the index of its last character. */
    private static int escape(String line, int at, Word word) {
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
