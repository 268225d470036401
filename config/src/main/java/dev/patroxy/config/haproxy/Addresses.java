package dev.patroxy.config.haproxy;

import java.util.ArrayList;
import java.util.List;

/** HAProxy's address forms ({@code *:5000}, {@code :::5000}, {@code ipv4@10.0.0.1:5432}) in patroxy's spelling. */
final class Addresses {
    /** Port ranges on a bind are written out one port a bind, up to this many. */
    private static final int MOST_PORTS_IN_A_RANGE = 64;

    private Addresses() {
    }

    /**
     * A host and an optional port: {@code port} is null when the address has none (HAProxy then keeps the client's
     * destination port), {@code host} null for every address.
     */
    record Address(String host, String port) {
        /** patroxy's {@code host:port}, {@code [v6]:port}, or {@code *:port} for every address. */
        String with(int portNumber) {
            if (host == null) {
                return "*:" + portNumber;
            }
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + portNumber : host + ":" + portNumber;
        }
    }

    /** One address, or an explanation of why patroxy cannot take it. */
    static Address parse(String text) throws Unsupported {
        String rest = text;
        for (String family : List.of("ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@")) {
            if (rest.startsWith(family)) {
                rest = rest.substring(family.length());
            }
        }
        if (rest.startsWith("/") || rest.contains("@")) {
            throw new Unsupported("'" + text + "' is not a TCP address (patroxy listens on and connects to TCP only)");
        }
        String host;
        String port;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new Unsupported("'" + text + "' has an unclosed '['");
            }
            host = rest.substring(1, close);
            String after = rest.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                throw new Unsupported("'" + text + "' is not host:port");
            }
            port = after.isEmpty() ? null : after.substring(1);
        } else {
            int colon = rest.lastIndexOf(':');
            host = colon < 0 ? rest : rest.substring(0, colon);
            port = colon < 0 ? null : rest.substring(colon + 1);
        }
        if (port != null && port.isEmpty()) {
            port = null;
        }
        boolean everyAddress = host.isEmpty() || host.equals("*") || host.equals("0.0.0.0") || host.equals("::");
        return new Address(everyAddress ? null : host, port);
    }

    /** A server's port, or null when it has none. */
    static Integer serverPort(Address address, String text) throws Unsupported {
        if (address.port() == null) {
            return null;
        }
        if (address.port().startsWith("+") || address.port().startsWith("-")) {
            throw new Unsupported("'" + text + "': a port relative to the client's is not carried over (patroxy"
                    + " connects to one port a server)");
        }
        return port(address.port(), text);
    }

    /** The ports a bind listens on: one, or each port of a range {@code 5000-5003}. */
    static List<Integer> bindPorts(Address address, String text) throws Unsupported {
        if (address.port() == null) {
            throw new Unsupported("'" + text + "' has no port");
        }
        int dash = address.port().indexOf('-');
        if (dash < 0) {
            return List.of(port(address.port(), text));
        }
        int first = port(address.port().substring(0, dash), text);
        int last = port(address.port().substring(dash + 1), text);
        if (last < first || last - first >= MOST_PORTS_IN_A_RANGE) {
            throw new Unsupported("'" + text + "': a range of more than " + MOST_PORTS_IN_A_RANGE
                    + " ports is not written out");
        }
        List<Integer> ports = new ArrayList<>();
        for (int p = first; p <= last; p++) {
            ports.add(p);
        }
        return ports;
    }

    private static int port(String digits, String text) throws Unsupported {
        if (!digits.matches("\\d{1,5}") || Integer.parseInt(digits) < 1 || Integer.parseInt(digits) > 65535) {
            throw new Unsupported("'" + text + "' has no port patroxy can use (1..65535)");
        }
        return Integer.parseInt(digits);
    }

    /** An address patroxy cannot use, and why. */
    static final class Unsupported extends Exception {
        Unsupported(String reason) {
            super(reason, null, false, false);
        }
    }
}
