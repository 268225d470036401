package dev.patroxy.proxy.dcs;

/**
 * etcd's indexes (v2) and revisions (v3): whole numbers from 0. Long.MAX_VALUE is refused too, so the next watch's
 * index, one more, is never a wrapped negative number.
 */
final class EtcdIndex {
    private EtcdIndex() {
    }

    /**
     * {@code value} as read from a JSON number, or null when absent.
     *
     * @throws IllegalArgumentException naming {@code name} when present but not an index
     */
    static Long of(String name, Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Long index && index >= 0 && index < Long.MAX_VALUE) {
            return index;
        }
        throw notAnIndex(name, value);
    }

    /** As {@link #of}, for where etcd writes the number as decimal text: the v3 gateway, v2's X-Etcd-Index header. */
    static Long ofText(String name, Object value) {
        if (!(value instanceof String text)) {
            return of(name, value);
        }
        try {
            return of(name, Long.valueOf(text.trim()));
        } catch (NumberFormatException e) {
            throw notAnIndex(name, value);
        }
    }

    private static IllegalArgumentException notAnIndex(String name, Object value) {
        String shown = String.valueOf(value);
        if (shown.length() > 40) {
            shown = shown.substring(0, 40) + "...";
        }
        return new IllegalArgumentException(name + " is not an etcd index (0 to " + (Long.MAX_VALUE - 1) + "): "
                + shown);
    }
}
