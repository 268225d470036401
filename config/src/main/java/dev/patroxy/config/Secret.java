package dev.patroxy.config;

/** A password or key: compared by value, never shown by {@link #toString()}, so a logged configuration holds none. */
public record Secret(String value) {
    @Override
    public String toString() {
        return "(secret)";
    }
}
