package dev.patroxy.config.haproxy;

import java.util.List;

/** A section of haproxy.cfg ({@code global}, {@code defaults}, {@code listen NAME}, ...) and its lines. */
record Section(Directive header, List<Directive> lines) {
    Section {
        lines = List.copyOf(lines);
    }

    String kind() {
        return header.keyword();
    }

    /** The section's name ({@code listen batman}), or empty for {@code global} and an unnamed {@code defaults}. */
    String name() {
        String name = header.word(1);
        return name == null ? "" : name;
    }

    int line() {
        return header.line();
    }
}
