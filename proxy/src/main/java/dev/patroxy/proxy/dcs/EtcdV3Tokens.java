package dev.patroxy.proxy.dcs;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.patroxy.config.BasicAuth;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * etcd v3 authentication through the JSON gateway: a token from {@code POST /v3/auth/authenticate}, sent as the
 * {@code Authorization} header, one per etcd host (etcd's simple tokens are known to the member that issued them
 * only). A token etcd no longer takes (expired, or lost when etcd restarted) is replaced once and the request sent
 * again: a read answers 401, a watch answers 200 with a first message that cancels it as "Unauthenticated". Runs on
 * OkHttp's threads, never on patroxy's scheduler, so asking for a token blocks no watch.
 */
final class EtcdV3Tokens implements Interceptor {
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final String AUTHENTICATE = "/v3/auth/authenticate";

    private final OkHttpClient client;
    private final BasicAuth auth;
    private final Map<String, String> tokens = new ConcurrentHashMap<>();

    /** @param client the client to ask for tokens with, without this interceptor */
    EtcdV3Tokens(OkHttpClient client, BasicAuth auth) {
        this.client = client;
        this.auth = auth;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        String host = request.url().host() + ":" + request.url().port();
        String token = tokens.get(host);
        if (token == null) {
            token = authenticate(request.url(), host);
        }
        Response response = chain.proceed(withToken(request, token));
        if (!refusesToken(response)) {
            return response;
        }
        response.close();
        tokens.remove(host, token);
        return chain.proceed(withToken(request, authenticate(request.url(), host)));
    }

    private static Request withToken(Request request, String token) {
        return request.newBuilder().header("Authorization", token).build();
    }

    private static boolean refusesToken(Response response) throws IOException {
        if (response.code() == 401) {
            return true;
        }
        if (response.code() != 200 || !response.request().url().encodedPath().equals("/v3/watch")) {
            return false;
        }
        // etcd sends a watch's first message (created, or cancelled) at once.
        BufferedSource first = response.body().source().peek();
        long end = first.indexOf((byte) '\n', 0, LeaderKeyApi.MAX_ANSWER);
        String message = end < 0 ? "" : first.readUtf8(end);
        return message.contains("\"canceled\":true") && message.contains("Unauthenticated");
    }

    private String authenticate(HttpUrl url, String host) throws IOException {
        Map<String, String> credentials = new LinkedHashMap<>();
        credentials.put("name", auth.username());
        credentials.put("password", auth.password().value());
        Request request = new Request.Builder()
                .url(url.newBuilder().encodedPath(AUTHENTICATE).query(null).build())
                .post(RequestBody.create(JSON.std.asString(credentials), JSON_TYPE))
                .build();
        try (Response response = client.newCall(request).execute()) {
            String body = LeaderKeyApi.limitedBody(response.body().source());
            Map<String, Object> answer = LeaderKeyApi.jsonObject(response.code(), body);
            if (response.code() != 200 || !(answer.get("token") instanceof String token) || token.isEmpty()) {
                throw new IOException("etcd refused to authenticate " + auth.username() + ": HTTP " + response.code()
                        + (answer.get("error") instanceof String error ? ", " + error : ""));
            }
            tokens.put(host, token);
            return token;
        }
    }
}
