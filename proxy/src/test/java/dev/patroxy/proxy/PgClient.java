package dev.patroxy.proxy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A test client that opens its session as a PostgreSQL client does: patroxy reads that before any server. */
final class PgClient {
    private PgClient() {
    }

    /** Connects to patroxy on {@code port} and sends a protocol 3.0 startup message. */
    static Socket connect(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.getOutputStream().write(startupMessage());
        return s;
    }

    static byte[] startupMessage() throws IOException {
        byte[] parameters = "user\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream startup = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(startup);
        data.writeInt(8 + parameters.length);
        data.writeInt(3 << 16);
        data.write(parameters);
        return startup.toByteArray();
    }
}
