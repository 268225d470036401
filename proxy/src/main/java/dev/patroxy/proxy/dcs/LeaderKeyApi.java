package dev.patroxy.proxy.dcs;

import dev.patroxy.config.HostPort;
import dev.patroxy.proxy.json.Json;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSource;

/** How one DCS API reads and watches the leader key over HTTP; {@link EtcdLeaderWatch} does the rest. */
interface LeaderKeyApi {
    /** The most any one answer (or, in a stream, any one message) may take. */
    long MAX_ANSWER = 64 * 1024;

    Request read(HostPort host);

    /** Reads the whole answer to {@link #read}. */
    LeaderKeyAnswer readAnswer(Response response) throws IOException;

    /** A watch that answers with the first change at or after {@code fromIndex}. */
    Request watch(HostPort host, long fromIndex);

    /** Reads the answer to {@link #watch} until it reports a change, blocking until then. */
    LeaderKeyAnswer watchAnswer(Response response) throws IOException;

    /** A quorum read of Patroni's members directory, {@code membersKey}: one key per member, named by its name. */
    Request members(HostPort host, String membersKey);

    /** The member names in the answer to {@link #members}, none when the directory does not exist. */
    Set<String> membersAnswer(Response response, String membersKey) throws IOException;

    /** An answer's body as a JSON object (empty when it is another JSON value); not JSON is an I/O failure. */
    static Map<String, Object> jsonObject(int status, String body) throws IOException {
        try {
            return Json.object(Json.parse(body));
        } catch (IllegalArgumentException e) {
            throw new IOException("HTTP " + status + ", " + e.getMessage());
        }
    }

    static String limitedBody(BufferedSource source) throws IOException {
        if (source.request(MAX_ANSWER + 1)) {
            throw new IOException("answer longer than " + MAX_ANSWER + " bytes");
        }
        return source.readUtf8();
    }
}
