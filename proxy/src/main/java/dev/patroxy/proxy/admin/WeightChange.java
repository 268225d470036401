package dev.patroxy.proxy.admin;

import dev.patroxy.proxy.routing.ServerAdmin;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code set weight}'s argument read as HAProxy 2.6 reads it: {@code N} absolute (0 to 256), {@code N%} of the
 * initial weight (capped at 256), with HAProxy's answers to what it refuses. A {@code primary} listener routes to one
 * server at a time, as HAProxy's static algorithms do: only 0 and the initial weight mean anything there.
 *
 * @param weight the new weight, when {@code error} is null
 * @param error HAProxy's answer to a weight it refuses; null when accepted
 */
record WeightChange(int weight, String error) {
    /** What {@code strtol} reads: optional blanks and sign, then digits. */
    private static final Pattern NUMBER = Pattern.compile("\\s*([+-]?\\d+)(.*)", Pattern.DOTALL);
    private static final int MAX_PERCENT = 25_600;

    static WeightChange parse(String text, int initialWeight, boolean dynamic) {
        if (text == null || text.isEmpty()) {
            return refused("Require <weight> or <weight%>.");
        }
        Matcher m = NUMBER.matcher(text);
        if (!m.matches()) {
            return refused("Empty weight string empty or preceded by garbage");
        }
        long w = clampedLong(m.group(1));
        String rest = m.group(2);
        if (rest.equals("%")) {
            if (w < 0) {
                return refused("Relative weight must be positive.");
            }
            w = Math.min(initialWeight * Math.min(w, MAX_PERCENT) / 100, ServerAdmin.MAX_WEIGHT);
        } else if (w < 0 || w > ServerAdmin.MAX_WEIGHT) {
            return refused("Absolute weight can only be between 0 and 256 inclusive.");
        } else if (!rest.isEmpty()) {
            return refused("Trailing garbage in weight string");
        }
        if (w != 0 && w != initialWeight && !dynamic) {
            return refused("Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.");
        }
        return new WeightChange((int) w, null);
    }

    private static long clampedLong(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return digits.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    private static WeightChange refused(String error) {
        return new WeightChange(0, error);
    }
}
