package dev.patroxy.stats;

import java.util.Arrays;
import java.util.Optional;

/**
 * How an admin action ended, as HAProxy's page says it after the redirect ({@code /;st=DONE}): the code in the
 * location, the result bar's colour and words.
 */
enum AdminResult {
    DONE("active_up", "Action processed successfully."),
    NONE("active_going_down", "Nothing has changed: no server was checked."),
    PART("active_going_down", "Action partially processed: some servers were not changed (see the log)."),
    ERRP("active_down", "Action not processed: the action, the listener or every server named is unknown.");

    static final String LOCATION_PREFIX = "/;st=";

    private final String rowClass;
    private final String message;

    AdminResult(String rowClass, String message) {
        this.rowClass = rowClass;
        this.message = message;
    }

    String rowClass() {
        return rowClass;
    }

    String message() {
        return message;
    }

    String location() {
        return LOCATION_PREFIX + name();
    }

    /** The result a page path such as {@code /;st=DONE} shows; a code not known shows none. */
    static Optional<AdminResult> ofPath(String path) {
        if (!path.startsWith(LOCATION_PREFIX)) {
            return Optional.empty();
        }
        String code = path.substring(LOCATION_PREFIX.length());
        return Arrays.stream(values()).filter(r -> r.name().equals(code)).findFirst();
    }
}
