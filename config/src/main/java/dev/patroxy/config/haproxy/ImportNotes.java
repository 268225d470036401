package dev.patroxy.config.haproxy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;

/** Notes as a person reads them: each once (several listeners share a defaults line), in line order. */
final class ImportNotes {
    private ImportNotes() {
    }

    static List<ImportNote> ordered(List<ImportNote> notes) {
        List<ImportNote> ordered = new ArrayList<>(new LinkedHashSet<>(notes));
        ordered.sort(Comparator.comparingInt(ImportNote::line));
        return ordered;
    }
}
