package dev.patroxy.config.haproxy;

import dev.patroxy.config.ConfigException;
import dev.patroxy.config.ConfigLoader;
import dev.patroxy.config.PatroxyConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Turns a Patroni-style haproxy.cfg into a patroxy configuration that loads ({@link ConfigLoader}) and routes as
 * HAProxy did, or says where it does not: every line it cannot carry over, or carries over with a difference in
 * behaviour, is an {@link ImportNote}.
 */
public final class HaproxyImporter {
    /** Far above any real haproxy.cfg; patroxy's own files have the same limit. */
    private static final int MAX_BYTES = 1 << 20;

    private HaproxyImporter() {
    }

    /**
     * Imports {@code source}; {@code target} is where the YAML is to go, named in the loader's messages, and beside
     * which the stats users' password files are to be made, unless {@code withSecrets} writes the passwords into the
     * YAML.
     */
    public static ImportResult importFile(Path source, Path target, boolean withSecrets)
            throws HaproxyImportException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(source)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            throw new HaproxyImportException(source, 1, "cannot read the file: " + e);
        }
        if (bytes.length > MAX_BYTES) {
            throw new HaproxyImportException(source, 1, "larger than " + MAX_BYTES + " bytes: not imported");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new HaproxyImportException(source, 1, "not UTF-8 text: not imported");
        }
        return importText(source, text, target, withSecrets);
    }

    /** Imports {@code text} as {@link #importText(Path, String, Path, boolean)}, the passwords left to files. */
    public static ImportResult importText(Path source, String text, Path target) throws HaproxyImportException {
        return importText(source, text, target, false);
    }

    /**
     * Imports {@code text}, read from {@code source}. Whatever the text, the answer is a result whose YAML loads
     * (once the password files it names exist), or an exception naming a line of the source: this is the entry
     * point to fuzz.
     */
    public static ImportResult importText(Path source, String text, Path target, boolean withSecrets)
            throws HaproxyImportException {
        return importText(source, text, target, withSecrets, System::getenv);
    }

    /**
     * Imports {@code text} as {@link #importText(Path, String, Path, boolean)}, with the environment variables the
     * text names read from {@code environment} (null where one is not set).
     */
    public static ImportResult importText(Path source, String text, Path target, boolean withSecrets,
            UnaryOperator<String> environment) throws HaproxyImportException {
        List<ImportNote> notes = new ArrayList<>();
        List<Section> sections = new HaproxyParser(source, notes, environment).sections(text);
        int lastLine = Math.max(1, (int) text.lines().count());
        Translation.Result translated = new Translation(source, withSecrets, notes).translate(sections, lastLine);
        List<ImportNote> ordered = ImportNotes.ordered(notes);
        String header = header(source, ordered);
        String yaml = header + yaml(translated.document());
        try {
            // The same lines, the passwords in place of the files still to be made: the loader's lines are the file's.
            PatroxyConfig config = ConfigLoader.parse(target, header + yaml(translated.checked()));
            return new ImportResult(yaml, config, ordered, translated.passwordFiles());
        } catch (ConfigException e) {
            throw new HaproxyImportException(source, lineOf(e.key(), translated.origins(), lastLine),
                    "the patroxy configuration made from it does not load: " + e.getMessage(), e, ordered);
        }
    }

    /** The haproxy.cfg line behind a patroxy key: its own, or that of the nearest key above it. */
    private static int lineOf(String key, Map<String, Integer> origins, int lastLine) {
        String k = key;
        while (!k.isEmpty()) {
            Integer line = origins.get(k);
            if (line != null) {
                return line;
            }
            int cut = Math.max(k.lastIndexOf('.'), k.lastIndexOf('['));
            k = cut < 0 ? "" : k.substring(0, cut);
        }
        return origins.getOrDefault("listeners[0]", lastLine);
    }

    private static String header(Path source, List<ImportNote> notes) {
        StringBuilder header = new StringBuilder();
        header.append("# patroxy configuration imported from ").append(comment(source.toString()))
                .append(" by `patroxy import-haproxy`.\n")
                .append("# Check it with `patroxy -c -f FILE`. A dcs: section (see the README) lets patroxy follow")
                .append(" Patroni's leader key.\n");
        if (notes.isEmpty()) {
            header.append("# Everything in the source carried over.\n");
        } else {
            header.append("# What did not carry over, or works differently in patroxy:\n");
            for (ImportNote note : notes) {
                header.append("#   ").append(comment(note.format(source.getFileName() == null ? source
                        : source.getFileName()))).append('\n');
            }
        }
        return header.append('\n').toString();
    }

    /** Text that stays inside a YAML comment: no line break of any kind, nothing unprintable. */
    private static String comment(String text) {
        StringBuilder safe = new StringBuilder(text.length());
        text.codePoints().forEach(c -> safe.appendCodePoint(
                Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || c == 0xFEFF ? '?' : c));
        return safe.toString();
    }

    private static String yaml(Map<String, Object> document) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.AUTO);
        options.setWidth(120);
        options.setIndent(2);
        options.setSplitLines(false);
        return new Yaml(options).dump(document);
    }
}
