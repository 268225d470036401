package dev.patroxy.config.haproxy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * HAProxy's TLS settings as patroxy's TLS mappings: a server's {@code check-ssl} (or {@code http-check connect ssl})
 * with its {@code verify}, {@code ca-file} and {@code crt} for the checks of its Patroni REST API, and the stats
 * page's {@code bind ... ssl crt}. Each file is found where HAProxy finds it: under {@code ca-base} or
 * {@code crt-base} of {@code global}, else in the directory HAProxy was started in.
 */
final class TlsMappings {
    /** Far above a certificate with its key and chain; the loader reads no more either. */
    private static final int MAX_PEM_BYTES = 1 << 20;
    /** What HAProxy's own check of the chain leaves out and patroxy's does not. */
    static final String HOST_NAME_CHECKED = "differs: patroxy's verify: required also checks that the REST API's"
            + " certificate names the host patroxy connects to (in its subject alternative names); HAProxy's checks"
            + " the chain only, unless verifyhost or check-sni is set";

    /** The TLS mapping ({@code ca-file}, {@code cert-file}, {@code key-file}, {@code verify}) and each key's line. */
    record Mapping(Map<String, Object> yaml, Map<String, Integer> lines) {
        boolean verifies() {
            return "required".equals(yaml.get("verify"));
        }
    }

    private final Path source;
    private final Values values;
    private String caBase;
    private String crtBase;
    private boolean verifyByDefault = true;

    TlsMappings(Path source, Values values) {
        this.source = source;
        this.values = values;
    }

    /** Takes a {@code global} line that changes how servers speak TLS; false for any other line. */
    boolean global(Directive line) throws HaproxyImportException {
        switch (line.keyword()) {
            case "ca-base" -> caBase = values.word(line, 1, "a directory");
            case "crt-base" -> crtBase = values.word(line, 1, "a directory");
            case "ssl-server-verify" -> {
                String verify = values.word(line, 1, "none or required");
                if (!verify.equals("none") && !verify.equals("required")) {
                    throw values.error(line, "expects none or required, found '" + verify + "'");
                }
                verifyByDefault = verify.equals("required");
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * The TLS of {@code server}'s checks, or null when HAProxy checks it over plain HTTP; {@code connectSsl} is the
     * backend's {@code http-check connect ssl}. What HAProxy would refuse (verify without a CA file) is an error.
     */
    Mapping check(Proxy.Server server, boolean connectSsl, List<ImportNote> ln) throws HaproxyImportException {
        ServerParams p = server.params();
        Optional<ServerParams.Param> checkSsl = p.get("check-ssl");
        if (checkSsl.isEmpty() && !connectSsl) {
            return null;
        }
        int at = checkSsl.map(ServerParams.Param::line).orElse(server.line().line());
        Optional<ServerParams.Param> verifyParam = p.get("verify");
        boolean verify = verifyByDefault;
        if (verifyParam.isPresent()) {
            String value = verifyParam.get().value();
            if (!value.equals("none") && !value.equals("required")) {
                throw new HaproxyImportException(source, verifyParam.get().line(), "verify: expects none or"
                        + " required, found '" + value + "'");
            }
            verify = value.equals("required");
        }
        Map<String, Object> yaml = new LinkedHashMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        Optional<ServerParams.Param> ca = p.get("ca-file");
        if (verify && ca.isEmpty()) {
            throw new HaproxyImportException(source, server.line().line(), "server " + server.name() + ": its"
                    + " checks over TLS verify the REST API's certificate (verify required"
                    + (verifyParam.isPresent() ? "" : ", HAProxy's default") + ") but it has no ca-file; HAProxy"
                    + " refuses this too: give a ca-file, or verify none");
        }
        if (verify && ca.get().value().equals("@system-ca")) {
            ln.add(new ImportNote(ca.get().line(), "ca-file @system-ca", "differs: patroxy trusts the JDK's CA"
                    + " certificates (its cacerts; on Debian the same list, from ca-certificates)"));
        } else if (verify) {
            yaml.put("ca-file", Values.literal(file(ca.get(), "ca-file", caBase, ln)));
            lines.put("ca-file", ca.get().line());
        }
        Optional<ServerParams.Param> crt = p.get("crt");
        if (crt.isPresent()) {
            certificate(crt.get(), yaml, lines, ln);
        }
        yaml.put("verify", verify ? "required" : "none");
        lines.put("verify", verifyParam.map(ServerParams.Param::line).orElse(at));
        if (verify && !p.has("verifyhost") && !p.has("check-sni")) {
            ln.add(new ImportNote(verifyParam.map(ServerParams.Param::line).orElse(at),
                    verifyParam.isPresent() ? "verify required" : "check-ssl", HOST_NAME_CHECKED));
        }
        return new Mapping(yaml, lines);
    }

    /** The stats page's {@code stats.tls} for a bind's {@code ssl crt FILE}. */
    Mapping statsPage(ServerParams.Param crt, List<ImportNote> ln) throws HaproxyImportException {
        Map<String, Object> yaml = new LinkedHashMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        certificate(crt, yaml, lines, ln);
        return new Mapping(yaml, lines);
    }

    /** {@code cert-file} for HAProxy's {@code crt}, and {@code key-file} where HAProxy would read the key apart. */
    private void certificate(ServerParams.Param crt, Map<String, Object> yaml, Map<String, Integer> lines,
            List<ImportNote> ln) throws HaproxyImportException {
        String cert = file(crt, "crt", crtBase, ln);
        yaml.put("cert-file", Values.literal(cert));
        lines.put("cert-file", crt.line());
        Optional<String> key = keyBeside(cert);
        if (key.isPresent()) {
            yaml.put("key-file", Values.literal(key.get()));
            lines.put("key-file", crt.line());
        }
    }

    /** A file as HAProxy finds it: under {@code base} unless absolute, else where HAProxy was started. */
    private String file(ServerParams.Param param, String keyword, String base, List<ImportNote> ln)
            throws HaproxyImportException {
        String named = param.value();
        if (!named.startsWith("/") && base != null) {
            named = base + "/" + named;
        }
        return values.absolute(param.line(), keyword, param.value(), named, "reads from the directory it is"
                + " started in (/ under systemd) unless default-path says otherwise", ln);
    }

    /**
     * The key HAProxy reads for a {@code crt} file that holds none: the file of the same name with {@code .key}
     * added (its {@code ssl-load-extra-files} default). Empty when the certificate's file holds the key itself.
     */
    private static Optional<String> keyBeside(String cert) {
        try {
            Path certPath = Path.of(cert);
            Path keyPath = Path.of(cert + ".key");
            if (!Files.isRegularFile(keyPath) || !Files.isRegularFile(certPath)) {
                return Optional.empty();
            }
            try (InputStream in = Files.newInputStream(certPath)) {
                String text = new String(in.readNBytes(MAX_PEM_BYTES), StandardCharsets.UTF_8);
                return text.contains("PRIVATE KEY-----") ? Optional.empty() : Optional.of(keyPath.toString());
            }
        } catch (IOException | InvalidPathException | SecurityException e) {
            // The loader reads the certificate's file itself and says what is wrong with it.
            return Optional.empty();
        }
    }
}
