package dev.patroxy.stats;

/** HAProxy's one-line explanations of its check statuses (its CSV {@code check_desc}, the page's LastChk tooltip). */
final class CheckDescriptions {
    private CheckDescriptions() {
    }

    static String describe(String status) {
        return switch (status) {
            case "INI" -> "Initializing";
            case "" -> "no check";
            case "L4OK" -> "Layer4 check passed";
            case "L4TOUT" -> "Layer4 timeout";
            case "L4CON" -> "Layer4 connection problem";
            case "L6RSP" -> "Layer6 invalid response";
            case "L7OK" -> "Layer7 check passed";
            case "L7TOUT" -> "Layer7 timeout";
            case "L7RSP" -> "Layer7 invalid response";
            case "L7STS" -> "Layer7 wrong status";
            case "SOCKERR" -> "Socket error";
            default -> status;
        };
    }

    /** Whether a check with this status has run, so that its duration means something (HAProxy's HCHK_STATUS_CHECKED). */
    static boolean hasRun(CheckResult check) {
        return !"INI".equals(check.status()) && !check.status().isEmpty();
    }
}
