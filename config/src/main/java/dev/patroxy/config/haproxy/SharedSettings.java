package dev.patroxy.config.haproxy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Moves what every listener sets alike to patroxy's {@code defaults}, so that the file reads as haproxy.cfg did:
 * the shared timeouts and checks once, and in each listener what is its own.
 */
final class SharedSettings {
    /** Keys that {@code defaults} takes, as {@code section.key}; a bare key is the listener's own level. */
    private static final List<String> KEYS = List.of("timeout.connect", "timeout.client", "timeout.server",
            "timeout.queue", "timeout.client-fin", "timeout.server-fin", ".retries", ".maxconn", ".on-marked-down",
            ".log", "check.expect", "check.inter", "check.timeout", "check.rise", "check.fall");

    private SharedSettings() {
    }

    /**
     * The defaults that every listener (for check settings and on-marked-down, every checked listener) shares,
     * taken out of the listeners.
     */
    static Map<String, Object> factorOut(List<Map<String, Object>> listeners) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        for (String key : KEYS) {
            String section = key.substring(0, key.indexOf('.'));
            String name = key.substring(key.indexOf('.') + 1);
            boolean checkOnly = section.equals("check") || name.equals("on-marked-down");
            List<Map<String, Object>> concerned = listeners.stream()
                    .filter(l -> !checkOnly || l.get("check") instanceof Map).toList();
            if (concerned.isEmpty()) {
                continue;
            }
            Object first = value(concerned.get(0), section, name);
            if (first == null || !concerned.stream().allMatch(l -> Objects.equals(value(l, section, name), first))) {
                continue;
            }
            for (Map<String, Object> listener : concerned) {
                remove(listener, section, name);
            }
            if (section.isEmpty()) {
                defaults.put(name, first);
            } else {
                sub(defaults, section).put(name, first);
            }
        }
        return defaults;
    }

    private static Object value(Map<String, Object> listener, String section, String name) {
        Object holder = section.isEmpty() ? listener : listener.get(section);
        return holder instanceof Map<?, ?> map ? map.get(name) : null;
    }

    private static void remove(Map<String, Object> listener, String section, String name) {
        if (section.isEmpty()) {
            listener.remove(name);
            return;
        }
        Map<?, ?> map = (Map<?, ?>) listener.get(section);
        map.remove(name);
        if (map.isEmpty()) {
            listener.remove(section);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sub(Map<String, Object> defaults, String section) {
        return (Map<String, Object>) defaults.computeIfAbsent(section, s -> new LinkedHashMap<String, Object>());
    }
}
