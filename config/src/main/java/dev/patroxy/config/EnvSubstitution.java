package dev.patroxy.config;

import java.util.Map;

/**
 * {@code ${NAME}} and {@code ${NAME:-default}} in a configuration value, replaced by the environment variable, as a
 * shell or Docker Compose would: the default stands in for a variable that is unset or empty; {@code $$} is one
 * literal {@code $}; a {@code $} followed by anything else is itself. Applied to each scalar on its own, so an error
 * still names the value's line and key, and a variable's value is never read as YAML.
 */
final class EnvSubstitution {
    /** Linux allows more, but longer names are a mistake here rather than a variable. */
    private static final int MAX_NAME = 255;

    private EnvSubstitution() {
    }

    /** {@code text} with every reference replaced; an unset variable without a default, or a broken reference, throws. */
    static String resolve(String text, Map<String, String> env) throws Unresolved {
        int dollar = text.indexOf('$');
        if (dollar < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        out.append(text, 0, dollar);
        int i = dollar;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$' || i + 1 == text.length()) {
                out.append(c);
                i++;
            } else if (text.charAt(i + 1) == '$') {
                out.append('$');
                i += 2;
            } else if (text.charAt(i + 1) == '{') {
                i = reference(text, i, env, out);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Appends the value of the reference starting at {@code start} ({@code ${...}}); returns the index after it. */
    private static int reference(String text, int start, Map<String, String> env, StringBuilder out) throws Unresolved {
        int close = text.indexOf('}', start + 2);
        if (close < 0) {
            throw new Unresolved("'${' without a closing '}' in '" + text + "'; write $$ for a literal $");
        }
        String body = text.substring(start + 2, close);
        int separator = body.indexOf(":-");
        String name = separator < 0 ? body : body.substring(0, separator);
        if (!validName(name)) {
            throw new Unresolved("'${" + body + "}' does not name an environment variable (letters, digits and _, not"
                    + " starting with a digit); write $$ for a literal $");
        }
        String value = env.get(name);
        if (value == null || value.isEmpty() && separator >= 0) {
            if (separator < 0) {
                throw new Unresolved("environment variable " + name + " is not set; set it, or give a default: ${"
                        + name + ":-VALUE}");
            }
            value = body.substring(separator + 2);
        }
        out.append(value);
        return close + 1;
    }

    private static boolean validName(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME || name.charAt(0) >= '0' && name.charAt(0) <= '9') {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9')) {
                return false;
            }
        }
        return true;
    }

    /** A reference that cannot be resolved; the message says which and why. */
    static final class Unresolved extends Exception {
        Unresolved(String message) {
            super(message);
        }
    }
}
