package dev.patroxy.proxy.routing;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Finds the address of a host name. It may block for seconds, so it runs on a resolving thread, never on a loop. */
@FunctionalInterface
public interface HostLookup {
    /**
     * The JDK's own lookup: it follows {@code /etc/nsswitch.conf}, so {@code /etc/hosts}, DNS and whatever else the
     * operator configured answer as they do for every other program on the host.
     */
    HostLookup SYSTEM = InetAddress::getByName;

    InetAddress lookUp(String host) throws UnknownHostException;
}
