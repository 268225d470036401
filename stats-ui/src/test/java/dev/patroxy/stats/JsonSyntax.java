package dev.patroxy.stats;

/** A strict JSON syntax check for tests (RFC 8259 grammar), since no JSON library is on the classpath. */
final class JsonSyntax {
    private final String text;
    private int pos;

    private JsonSyntax(String text) {
        this.text = text;
    }

    /** @throws IllegalArgumentException naming the offset of the first syntax error */
    static void check(String text) {
        JsonSyntax parser = new JsonSyntax(text);
        parser.value();
        parser.whitespace();
        if (parser.pos != text.length()) {
            throw parser.error("trailing text");
        }
    }

    private void value() {
        whitespace();
        if (pos >= text.length()) {
            throw error("unexpected end");
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
    }

    private void object() {
        pos++;
        whitespace();
        if (peek() == '}') {
            pos++;
            return;
        }
        do {
            whitespace();
            string();
            whitespace();
            expect(':');
            value();
            whitespace();
        } while (consume(','));
        expect('}');
    }

    private void array() {
        pos++;
        whitespace();
        if (peek() == ']') {
            pos++;
            return;
        }
        do {
            value();
            whitespace();
        } while (consume(','));
        expect(']');
    }

    private void string() {
        expect('"');
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return;
            }
            if (c < 0x20) {
                throw error("raw control character in string");
            }
            if (c == '\\') {
                char escaped = text.charAt(pos++);
                if (escaped == 'u') {
                    for (int i = 0; i < 4; i++) {
                        if (Character.digit(text.charAt(pos++), 16) < 0) {
                            throw error("bad \\u escape");
                        }
                    }
                } else if ("\"\\/bfnrt".indexOf(escaped) < 0) {
                    throw error("bad escape");
                }
            }
        }
    }

    private void number() {
        int start = pos;
        consume('-');
        if (!consume('0')) {
            digits();
        }
        if (consume('.')) {
            digits();
        }
        if (consume('e') || consume('E')) {
            if (!consume('+')) {
                consume('-');
            }
            digits();
        }
        if (pos == start) {
            throw error("unexpected character");
        }
    }

    private void digits() {
        int start = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        if (pos == start) {
            throw error("digit expected");
        }
    }

    private void literal(String word) {
        if (!text.startsWith(word, pos)) {
            throw error("bad literal");
        }
        pos += word.length();
    }

    private void whitespace() {
        while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : 0;
    }

    private boolean consume(char c) {
        if (peek() == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!consume(c)) {
            throw error("'" + c + "' expected");
        }
    }

    private IllegalArgumentException error(String message) {
        return new IllegalArgumentException(message + " at offset " + pos + ": "
                + text.substring(Math.max(0, pos - 20), Math.min(text.length(), pos + 20)));
    }
}
