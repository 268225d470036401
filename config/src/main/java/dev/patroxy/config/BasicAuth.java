package dev.patroxy.config;

/** HTTP basic authentication (Patroni's {@code restapi.authentication}, etcd's users, HAProxy's {@code stats auth}). */
public record BasicAuth(String username, Secret password) {
}
