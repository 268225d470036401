package dev.patroxy.config;

/** Which API of which store holds Patroni's leader key. */
public enum DcsType {
    /** etcd's v2 keys API, Patroni's {@code etcd:} section (etcd 3.4 needs {@code --enable-v2=true}). */
    ETCD_V2("etcd"),
    /** etcd's v3 API through its JSON gateway, Patroni's {@code etcd3:} section. */
    ETCD_V3("etcd3");

    private final String configName;

    DcsType(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }
}
