package dev.patroxy.config.haproxy;

import dev.patroxy.config.PatroxyConfig;
import java.util.List;

/**
 * An imported configuration: the YAML to write, the configuration it loads as, and what did not carry over.
 *
 * @param yaml the patroxy file, a header comment naming the source and listing the notes first
 * @param config what {@link dev.patroxy.config.ConfigLoader} reads from {@code yaml} once the password files exist
 * @param notes what did not carry over or works differently, in line order
 * @param passwordFiles the password files {@code yaml} names (relative: beside it), which the operator creates with
 *     the passwords of haproxy.cfg's {@code stats auth} lines
 */
public record ImportResult(String yaml, PatroxyConfig config, List<ImportNote> notes, List<String> passwordFiles) {
    public ImportResult {
        notes = List.copyOf(notes);
        passwordFiles = List.copyOf(passwordFiles);
    }
}
