package dev.patroxy.stats;

import java.util.Locale;

/**
 * The roles a server is shown and labelled with: Patroni's own ({@code PostgresqlRole} in Patroni 3.x and 4.x, with
 * {@code master} read as {@code primary}) and patroxy's two for what checks alone tell. Anything else Patroni's body
 * says is {@link #OTHER}: a role string comes from the network and must not become a metric label value of its own.
 */
public enum ServerRole {
    PRIMARY,
    STANDBY_LEADER,
    REPLICA,
    DEMOTED,
    PROMOTED,
    UNINITIALIZED,
    /** Not primary by a failing primary check, role otherwise unknown. */
    NOT_PRIMARY,
    UNKNOWN,
    OTHER;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The role as it appears on the stats page and as the {@code role} label value. */
    public String label() {
        return label;
    }

    /** The role named {@code reported} ({@code master} is {@link #PRIMARY}), {@link #OTHER} for any other text. */
    public static ServerRole of(String reported) {
        if (reported == null) {
            return UNKNOWN;
        }
        if (reported.equals("master")) {
            return PRIMARY;
        }
        for (ServerRole role : values()) {
            if (role.label.equals(reported)) {
                return role;
            }
        }
        return OTHER;
    }
}
