package dev.patroxy.config;

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
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(us|ms|s|m|h|d)?");

    private final Path file;
    private final String key;
    private final Node node;

    ConfigNode(Path file, String key, Node node) {
        this.file = file;
        this.key = key;
        this.node = node;
    }

    String key() {
        return key;
    }

    ConfigException error(String problem) {
        return new ConfigException(file, node.getStartMark().getLine() + 1, key, problem);
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
            if (children.put(name, new ConfigNode(file, childKey, tuple.getValueNode())) != null) {
                throw new ConfigException(file, keyNode.getStartMark().getLine() + 1, childKey, "key given twice");
            }
        }
        return children;
    }

    /** Whether this is the plain value {@code word}. */
    boolean isScalar(String word) {
        return node instanceof ScalarNode scalar && scalar.getValue().trim().equals(word);
    }

    List<ConfigNode> sequence() throws ConfigException {
        if (!(node instanceof SequenceNode sequence)) {
            throw error("expected a list, found " + describe());
        }
        List<ConfigNode> items = new ArrayList<>();
        List<Node> values = sequence.getValue();
        for (int i = 0; i < values.size(); i++) {
            items.add(new ConfigNode(file, key + "[" + i + "]", values.get(i)));
        }
        return items;
    }

    /** A list, or a single scalar taken as a list of one ({@code bind: "*:5000"}). */
    List<ConfigNode> sequenceOrScalar() throws ConfigException {
        return node instanceof ScalarNode ? List.of(this) : sequence();
    }

    String string() throws ConfigException {
        if (!(node instanceof ScalarNode scalar) || scalar.getValue().isBlank()) {
            throw error("expected a value, found " + describe());
        }
        return scalar.getValue().trim();
    }

    int integer(int min, int max) throws ConfigException {
        String text = string();
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw error("expected a whole number, found '" + text + "'");
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

    /** A positive duration; a bare number is milliseconds, as in HAProxy. */
    Duration duration() throws ConfigException {
        String text = string();
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw error("expected a duration such as 500ms, 3s, 30m or 1h, found '" + text + "'");
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        Duration value = switch (unit) {
            case "us" -> Duration.ofNanos(amount * 1000);
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
        if (value.isZero()) {
            throw error("must be longer than zero");
        }
        return value;
    }

    /** {@code host:port}, {@code [v6]:port}; with {@code wildcardHost}, {@code *:port} or {@code :port} too. */
    BindAddress endpoint(boolean wildcardHost) throws ConfigException {
        String text = string();
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw error("expected host:port, found '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw error("expected a port number after ':', found '" + text + "'");
        }
        if (port < 1 || port > 65535) {
            throw error("port " + port + " is out of range 1..65535");
        }
        boolean wildcard = host.isEmpty() || host.equals("*");
        if (wildcard && !wildcardHost) {
            throw error("needs a host, found '" + text + "'");
        }
        return new BindAddress(wildcard ? null : host, port);
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
            return scalar.getValue().isBlank() ? "nothing" : "'" + scalar.getValue() + "'";
        }
        return node instanceof MappingNode ? "a mapping" : "a list";
    }

    @FunctionalInterface
    interface NodeReader<T> {
        T read(ConfigNode node) throws ConfigException;
    }
}
