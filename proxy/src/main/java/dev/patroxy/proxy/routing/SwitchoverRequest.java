package dev.patroxy.proxy.routing;

import dev.patroxy.proxy.json.Json;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * What Patroni's failover key asks for: {@code patronictl switchover} (or {@code failover} with a healthy leader)
 * writes {@code {"leader":"pg01","member":"pg03","scheduled_at":"…"}} there, and the leader's HA loop demotes it
 * when it is due; Patroni writes {@code {}} once the switchover is done or given up.
 *
 * @param leader the member asked to hand over, or null for whoever leads
 * @param candidate the member asked to take over, or null for the healthiest
 * @param scheduledAt when the switchover is due, or null for now
 * @param unreadable why the key could not be read as a request (then it asks for nothing), or null
 * @param index the DCS's index of the write that made the request: the same words written again are a new request
 */
public record SwitchoverRequest(String leader, String candidate, Instant scheduledAt, String unreadable, long index) {
    public static final SwitchoverRequest NONE = new SwitchoverRequest(null, null, null, null, 0);

    /** The request in the key's text as Patroni reads it, written at index 0. */
    public static SwitchoverRequest of(String text) {
        return of(text, 0);
    }

    /**
     * Reads the key's text as Patroni's {@code Failover.from_node} does: a JSON object, or the old
     * {@code leader:candidate}. As in Python, an empty value or an absent one names nobody, while any other value
     * (blank, a number) names a member that is none.
     */
    public static SwitchoverRequest of(String text, long index) {
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (IllegalArgumentException notJson) {
            String[] parts = text.split(":", -1);
            return of(name(parts[0].strip()), parts.length > 1 ? name(parts[1].strip()) : null, null, index);
        }
        Map<String, Object> fields = Json.object(parsed);
        Object scheduled = fields.get("scheduled_at");
        Instant scheduledAt = null;
        if (scheduled != null && !"".equals(scheduled)) {
            try {
                scheduledAt = OffsetDateTime.parse(String.valueOf(scheduled)).toInstant();
            } catch (DateTimeParseException e) {
                return new SwitchoverRequest(null, null, null, "scheduled_at '" + scheduled + "' is no ISO-8601 time"
                        + " with an offset", index);
            }
        }
        return of(name(fields.get("leader")), name(fields.get("member")), scheduledAt, index);
    }

    private static SwitchoverRequest of(String leader, String candidate, Instant scheduledAt, long index) {
        if (leader == null && candidate == null) {
            return NONE;
        }
        return new SwitchoverRequest(leader, candidate, scheduledAt, null, index);
    }

    private static String name(Object value) {
        return value == null || "".equals(value) ? null : String.valueOf(value);
    }

    /** Whether this asks {@code member}, the leader now, to hand over; Patroni's own test of the key. */
    public boolean asksToHandOver(String member) {
        return member != null && unreadable == null && (leader != null || candidate != null)
                && (leader == null || leader.equals(member)) && !member.equals(candidate);
    }

    @Override
    public String toString() {
        if (unreadable != null) {
            return "unreadable (" + unreadable + ")";
        }
        if (leader == null && candidate == null) {
            return "none";
        }
        return (leader == null ? "the leader" : leader) + " to " + (candidate == null ? "the healthiest member"
                : candidate) + (scheduledAt == null ? "" : " at " + scheduledAt);
    }
}
