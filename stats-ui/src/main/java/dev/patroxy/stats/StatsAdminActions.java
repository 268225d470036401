package dev.patroxy.stats;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** What the stats page's admin controls do to servers; the proxy gives the implementation. */
public interface StatsAdminActions {
    /** HAProxy 2.6's {@code stats admin} actions that patroxy has, by the form value HAProxy posts. */
    enum Action {
        READY("ready", "Set state to READY"),
        DRAIN("drain", "Set state to DRAIN"),
        MAINT("maint", "Set state to MAINT"),
        SHUTDOWN("shutdown", "Kill Sessions");

        private final String formValue;
        private final String label;

        Action(String formValue, String label) {
            this.formValue = formValue;
            this.label = label;
        }

        /** The {@code action} value the form posts. */
        public String formValue() {
            return formValue;
        }

        /** The action list's text, HAProxy's. */
        public String label() {
            return label;
        }

        /** An {@code action} value; {@code enable} and {@code disable}, which older HAProxy pages posted, too. */
        public static Optional<Action> ofFormValue(String value) {
            String v = value == null ? "" : value.toLowerCase(Locale.ROOT);
            return switch (v) {
                case "enable" -> Optional.of(READY);
                case "disable" -> Optional.of(MAINT);
                default -> Arrays.stream(values()).filter(a -> a.formValue.equals(v)).findFirst();
            };
        }
    }

    /**
     * Applies {@code action} to each server of {@code listener}; never blocks (the stats server's thread calls it).
     *
     * @return for each server, in the order given, the error text; empty when done
     */
    Map<String, String> apply(Action action, String listener, List<String> servers);
}
