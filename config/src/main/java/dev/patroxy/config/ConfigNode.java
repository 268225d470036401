package dev.patroxy.config;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A YAML node with its dotted key path and source line, so that every error can name the file, line and key.
 */
final class ConfigNode {
    private static final Pattern DURATION = Pattern.compile("([-+]?)(\\d+)\\s*(us|ms|s|m|h|d)?");
    private static final Map<String, Long> UNITS = Map.of(
            "us", 1_000L, "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L,
            "d", 86_400_000_000_000L);
    /** A whole number: one that does not parse is too large for its type. */
    private static final Pattern WHOLE_NUMBER = Pattern.compile("[-+]?\\d+");
    /** A host name, an IPv4 address, or (what brackets held) an IPv6 address with an optional zone. */
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}");
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:.]{2,45}(?:%[A-Za-z0-9_.-]{1,64})?");
    static final Duration MILLISECOND = Duration.ofMillis(1);
    static final Duration SECOND = Duration.ofSeconds(1);
    /**
     * HAProxy's longest timeout (2^31-1 ms, about 24.8 days); OkHttp, which runs the checks and DCS requests,
     * refuses a longer one at run time. {@code none} is the way to say no limit.
     */
    static final Duration LONGEST = Duration.ofMillis(Integer.MAX_VALUE);

    private final Path file;
    private final String key;
    private final Node node;
    /** What {@code ${NAME}} in a value stands for. */
    private final Map<String, String> env;

    ConfigNode(Path file, String key, Node node, Map<String, String> env) {
        this.file = file;
        this.key = key;
        this.node = node;
        this.env = env;
    }

    String key() {
        return key;
    }

    int line() {
        return node.getStartMark().getLine() + 1;
    }

    ConfigException error(String problem) {
        return new ConfigException(file, line(), key, problem);
    }

    /** The children of a mapping, rejecting keys outside {@code allowed} so that a typo is never ignored. */
    Map<String, ConfigNode> mapping(Set<String> allowed) throws ConfigException {
        if (!(node instanceof MappingNode mapping)) {
            throw error("expected a mapping of keys to values, found " + describe());
        }
        Map<String, ConfigNode> children = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                throw error("keys must be plain words");
            }
            String name = keyNode.getValue();
            String childKey = key.isEmpty() ? name : key + "." + name;
            if (!allowed.contains(name)) {
                throw new ConfigException(file, keyNode.getStartMark().getLine() + 1, childKey,
                        "unknown key; expected one of " + String.join(", ", allowed.stream().sorted().toList()));
            }
            if (children.put(name, new ConfigNode(file, childKey, tuple.getValueNode(), env)) != null) {
                throw new ConfigException(file, keyNode.getStartMark().getLine() + 1, childKey, "key given twice");
            }
        }
        return children;
    }

    /** Whether this is the plain value {@code word}. */
    boolean isScalar(String word) {
        try {
            return node instanceof ScalarNode && scalarValue().trim().equals(word);
        } catch (ConfigException unresolved) {
            // Not the word; reading the value as anything else reports the reference.
            return false;
        }
    }

    List<ConfigNode> sequence() throws ConfigException {
        if (!(node instanceof SequenceNode sequence)) {
            throw error("expected a list, found " + describe());
        }
        List<ConfigNode> items = new ArrayList<>();
        List<Node> values = sequence.getValue();
        for (int i = 0; i < values.size(); i++) {
            items.add(new ConfigNode(file, key + "[" + i + "]", values.get(i), env));
        }
        return items;
    }

    /** A list, or a single mapping taken as a list of one. */
    List<ConfigNode> sequenceOrMapping() throws ConfigException {
        return node instanceof MappingNode ? List.of(this) : sequence();
    }

    /** A list, or a single scalar taken as a list of one ({@code bind: "*:5000"}). */
    List<ConfigNode> sequenceOrScalar() throws ConfigException {
        return node instanceof ScalarNode ? List.of(this) : sequence();
    }

    String string() throws ConfigException {
        if (!(node instanceof ScalarNode)) {
            throw error("expected a value, found " + describe());
        }
        String value = scalarValue();
        if (value.isBlank()) {
            throw error("expected a value, found " + describe());
        }
        return value.trim();
    }

    /** A scalar's text with its environment references resolved (see {@link EnvSubstitution}). */
    private String scalarValue() throws ConfigException {
        String raw = ((ScalarNode) node).getValue();
        try {
            return EnvSubstitution.resolve(raw, env);
        } catch (EnvSubstitution.Unresolved e) {
            throw error(e.getMessage());
        }
    }

    int integer(int min, int max) throws ConfigException {
        String text = string();
        if (!WHOLE_NUMBER.matcher(text).matches()) {
            throw error("expected a whole number, found '" + text + "'");
        }
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException tooLarge) {
            throw error(text + " is out of range " + min + ".." + max);
        }
        if (value < min || value > max) {
            throw error(value + " is out of range " + min + ".." + max);
        }
        return value;
    }

    boolean bool() throws ConfigException {
        String text = string();
        return switch (text) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw error("expected true or false, found '" + text + "'");
        };
    }

    /**
     * A positive duration of at least 1ms, the finest that most uses count in (a shorter one would be 0 there:
     * no timeout, or none at all), and at most {@link #LONGEST}; a bare number is milliseconds, as in HAProxy.
     */
    Duration duration() throws ConfigException {
        return duration(MILLISECOND, LONGEST);
    }

    /**
     * A positive duration from {@code resolution}, the unit the key is used in (a shorter value would round to 0
     * there), to {@code longest}.
     */
    Duration duration(Duration resolution, Duration longest) throws ConfigException {
        Duration value = durationOrZero(resolution, longest);
        if (value.isZero()) {
            throw error("must be longer than zero");
        }
        return value;
    }

    /** A duration as {@link #duration(Duration, Duration)}, or zero. */
    Duration durationOrZero(Duration resolution, Duration longest) throws ConfigException {
        String text = string();
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw error("expected a duration such as 500ms, 3s, 30m or 1h, found '" + text + "'");
        }
        BigInteger amount = new BigInteger(m.group(2));
        if (m.group(1).equals("-") && amount.signum() != 0) {
            throw error("must not be negative, found '" + text + "'");
        }
        BigInteger nanos = amount.multiply(BigInteger.valueOf(UNITS.get(m.group(3) == null ? "ms" : m.group(3))));
        if (nanos.compareTo(BigInteger.valueOf(longest.toNanos())) > 0) {
            throw error("'" + text + "' is longer than the longest this key takes, " + describe(longest));
        }
        Duration value = Duration.ofNanos(nanos.longValueExact());
        if (!value.isZero() && value.compareTo(resolution) < 0) {
            throw error("'" + text + "' rounds to 0 at this key's resolution of " + describe(resolution)
                    + "; give at least " + describe(resolution));
        }
        return value;
    }

    /** A duration in the largest unit that counts it exactly: {@code 32767s}, {@code 2147483647ms}. */
    static String describe(Duration duration) {
        long nanos = duration.toNanos();
        String unit = "us";
        for (Map.Entry<String, Long> candidate : UNITS.entrySet()) {
            if (nanos % candidate.getValue() == 0 && candidate.getValue() > UNITS.get(unit)) {
                unit = candidate.getKey();
            }
        }
        return nanos / UNITS.get(unit) + unit;
    }

    /**
     * The text of the file this value names, a path relative to the configuration file's directory unless absolute,
     * read now: a file that cannot be read, is not UTF-8 or is larger than {@code maxBytes} is this key's error.
     */
    FileText fileText(int maxBytes) throws ConfigException {
        Path path = path();
        if (Files.isDirectory(path) || Files.exists(path) && !Files.isRegularFile(path)) {
            // A directory cannot be read, and a pipe or device could block the loading thread or never end.
            throw error(path + " is not a regular file");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = in.readNBytes(maxBytes + 1);
        } catch (NoSuchFileException e) {
            throw error("cannot read " + path + ": it does not exist");
        } catch (AccessDeniedException e) {
            throw error("cannot read " + path + ": permission denied");
        } catch (IOException e) {
            throw error("cannot read " + path + ": " + e.getMessage());
        }
        if (bytes.length > maxBytes) {
            throw error(path + " is larger than " + maxBytes + " bytes");
        }
        try {
            return new FileText(path, StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            throw error(path + " is not UTF-8 text");
        }
    }

    /** The file this value names, a path relative to the configuration file's directory unless absolute. */
    Path path() throws ConfigException {
        String text = string();
        try {
            Path named = Path.of(text);
            Path parent = file.toAbsolutePath().getParent();
            return named.isAbsolute() || parent == null ? named : parent.resolve(named);
        } catch (InvalidPathException e) {
            throw error("'" + text + "' is not a file path: " + e.getMessage());
        }
    }

    /** A file named by a value, and what it held. */
    record FileText(Path path, String text) {
    }

    /** {@code host:port}, {@code [v6]:port}; with {@code wildcardHost}, {@code *:port} or {@code :port} too. */
    BindAddress endpoint(boolean wildcardHost) throws ConfigException {
        String text = string();
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw error("expected host:port, found '" + text + "'");
        }
        String host = text.substring(0, colon);
        boolean bracketed = host.startsWith("[") && host.endsWith("]");
        if (bracketed) {
            host = host.substring(1, host.length() - 1);
        }
        String portText = text.substring(colon + 1);
        if (!WHOLE_NUMBER.matcher(portText).matches()) {
            throw error("expected a port number after ':', found '" + text + "'");
        }
        BigInteger port = new BigInteger(portText);
        if (port.compareTo(BigInteger.ONE) < 0 || port.compareTo(BigInteger.valueOf(65535)) > 0) {
            throw error("port " + portText + " is out of range 1..65535");
        }
        if (!host.isEmpty() && !host.equals("*")) {
            if (bracketed ? !IPV6_LITERAL.matcher(host).matches() : !HOST_NAME.matcher(host).matches()) {
                throw error("'" + host + "' is not a host name or address"
                        + (bracketed || host.indexOf(':') < 0 ? "" : "; write an IPv6 address in brackets: [::1]:5432"));
            }
        }
        boolean wildcard = host.isEmpty() || host.equals("*");
        if (wildcard && !wildcardHost) {
            throw error("needs a host, found '" + text + "'");
        }
        return new BindAddress(wildcard ? null : host, port.intValueExact());
    }

    <T> Optional<T> optional(Map<String, ConfigNode> children, String name, NodeReader<T> reader)
            throws ConfigException {
        ConfigNode child = children.get(name);
        return child == null ? Optional.empty() : Optional.of(reader.read(child));
    }

    <T> T required(Map<String, ConfigNode> children, String name, NodeReader<T> reader) throws ConfigException {
        ConfigNode child = children.get(name);
        if (child == null) {
            String childKey = key.isEmpty() ? name : key + "." + name;
            throw new ConfigException(file, node.getStartMark().getLine() + 1, childKey, "required key is missing");
        }
        return reader.read(child);
    }

    <T> T choice(Map<String, T> choices, Function<String, String> hint) throws ConfigException {
        String text = string();
        T value = choices.get(text);
        if (value == null) {
            throw error(hint.apply(text));
        }
        return value;
    }

    private String describe() {
        if (node instanceof ScalarNode scalar) {
            String value;
            try {
                value = scalarValue();
            } catch (ConfigException unresolved) {
                value = scalar.getValue();
            }
            return value.isBlank() ? "nothing" : "'" + value + "'";
        }
        return node instanceof MappingNode ? "a mapping" : "a list";
    }

    @FunctionalInterface
    interface NodeReader<T> {
        T read(ConfigNode node) throws ConfigException;
    }
}
