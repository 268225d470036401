package dev.patroxy.stats;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The stats server's short plain-text answers. */
final class StatsResponses {
    static final String REALM = "patroxy statistics";

    private StatsResponses() {
    }

    /** {@code status} with its reason phrase as the body. */
    static FullHttpResponse plain(HttpResponseStatus status) {
        return plain(status, status.code() + " " + status.reasonPhrase());
    }

    static FullHttpResponse plain(HttpResponseStatus status, String text) {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    }
}
