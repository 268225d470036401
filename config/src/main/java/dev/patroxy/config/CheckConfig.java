package dev.patroxy.config;

import java.time.Duration;

/**
 * An HTTP health check against Patroni's REST API (HAProxy's {@code option httpchk} with
 * {@code http-check expect status}, {@code inter}, {@code rise}, {@code fall} and {@code timeout check}).
 */
public record CheckConfig(
        String method,
        String path,
        int expectStatus,
        Duration interval,
        Duration timeout,
        int rise,
        int fall) {

    /** The check as a person reads it on the stats page. */
    public String describe() {
        return method + " " + path + " expect " + expectStatus;
    }
}
