package dev.patroxy.stats;

import java.time.Instant;

/**
 * The snapshot as JSON ({@code /;json}). HAProxy's own JSON is a flat list of typed fields; this is a plain nested
 * document instead, easier to read with {@code jq}. Durations carry their unit in the name; instants are ISO-8601.
 * A session limit of 0 means none.
 */
public final class JsonStats {

    public String render(StatsSnapshot snapshot) {
        JsonWriter json = new JsonWriter().beginObject()
                .field("version", snapshot.version())
                .field("startedAt", iso(snapshot.startedAt()))
                .field("takenAt", iso(snapshot.takenAt()))
                .field("uptimeSeconds", HumanFormat.elapsed(snapshot.startedAt(), snapshot.takenAt()).toSeconds());
        reload(json, snapshot.reload());
        dcs(json, snapshot.dcs());
        json.name("listeners").beginArray();
        for (ListenerStats listener : snapshot.listeners()) {
            listener(json, listener, snapshot.takenAt());
        }
        return json.endArray().endObject().toString();
    }

    private static void reload(JsonWriter json, ReloadStatus reload) {
        json.name("configuration").beginObject()
                .field("loadedAt", iso(reload.loadedAt()))
                .field("reloadsSucceeded", reload.succeeded())
                .field("reloadsFailed", reload.failed())
                .field("lastReloadSucceeded", reload.lastSucceeded());
        if (!reload.lastSucceeded()) {
            json.field("lastFailure", reload.lastFailure()).field("lastFailureAt", iso(reload.lastFailureAt()));
        }
        json.field("drainingSessions", reload.drainingSessions()).endObject();
    }

    private static void dcs(JsonWriter json, DcsStatus dcs) {
        json.name("dcs").beginObject().field("configured", dcs.configured());
        if (dcs.configured()) {
            json.field("leader", dcs.leader()).name("listenersWithoutLeader").beginArray();
            dcs.listenersWithoutLeader().forEach(json::value);
            json.endArray()
                    .field("requestFailures", dcs.requestFailures())
                    .field("errors", dcs.errors())
                    .field("lastError", dcs.lastError())
                    .field("warning", dcs.warning());
        }
        json.endObject();
    }

    private static void listener(JsonWriter json, ListenerStats listener, Instant takenAt) {
        json.beginObject()
                .field("name", listener.name())
                .name("binds").beginArray();
        listener.binds().forEach(json::value);
        json.endArray()
                .field("balance", listener.balance())
                .field("check", listener.check());
        FrontendStats frontend = listener.frontend();
        json.name("frontend").beginObject()
                .field("status", frontend.statusText())
                .field("disabled", frontend.disabled())
                .field("currentSessions", frontend.currentSessions())
                .field("maxSessions", frontend.maxSessions())
                .field("totalSessions", frontend.totalSessions())
                .field("bytesIn", frontend.bytesIn())
                .field("bytesOut", frontend.bytesOut())
                .field("refused", frontend.refused())
                .field("sessionLimit", frontend.sessionLimit())
                .field("held", frontend.held())
                .field("maxHeld", frontend.maxHeld())
                .field("heldReleased", frontend.heldReleased())
                .field("holdTimeouts", frontend.holdTimeouts())
                .field("startupTimeouts", frontend.startupTimeouts())
                .field("firstPacketRejections", frontend.firstPacketRejections())
                .field("switchoverPaused", frontend.switchoverPaused())
                .field("switchoverPauses", frontend.switchoverPauses())
                .endObject();
        BackendTotals backend = BackendTotals.of(listener);
        json.name("backend").beginObject()
                .field("status", backend.status())
                .field("activeServers", backend.activeServers())
                .field("currentSessions", backend.currentSessions())
                .field("totalSessions", backend.totalSessions())
                .field("bytesIn", backend.bytesIn())
                .field("bytesOut", backend.bytesOut())
                .field("connectErrors", backend.connectErrors())
                .field("killedSessions", backend.killedSessions())
                .field("queueCurrent", backend.queueCurrent())
                .field("queueTimeouts", backend.queueTimeouts())
                .field("queueTimeAverageMillis", backend.queueTimeAverage().toMillis())
                .endObject();
        json.name("servers").beginArray();
        for (ServerStats server : listener.servers()) {
            server(json, server, takenAt);
        }
        json.endArray();
        json.field("roleChangesTotal", listener.roleChangesTotal());
        json.name("roleChanges").beginArray();
        for (RoleChange change : listener.roleChanges()) {
            json.beginObject()
                    .field("at", change.at().toString())
                    .field("from", change.from())
                    .field("to", change.to())
                    .field("why", change.why());
            if (change.detection() != null) {
                json.field("detectionMillis", change.detection().toMillis());
            }
            json.endObject();
        }
        json.endArray().endObject();
    }

    private static void server(JsonWriter json, ServerStats server, Instant takenAt) {
        json.beginObject()
                .field("name", server.name())
                .field("address", server.address())
                .field("checkUrl", server.checkUrl())
                .field("status", server.statusText())
                .field("state", server.state().name())
                .field("admin", server.admin().name())
                .field("weight", server.weight())
                .field("health", server.health())
                .field("healthMax", server.healthMax())
                .field("role", server.role())
                .field("routable", server.routable())
                .field("currentSessions", server.currentSessions())
                .field("maxSessions", server.maxSessions())
                .field("totalSessions", server.totalSessions())
                .field("bytesIn", server.bytesIn())
                .field("bytesOut", server.bytesOut())
                .field("connectErrors", server.connectErrors())
                .field("checkFailures", server.checkFailures())
                .field("checkErrors", server.checkErrors())
                .field("downTransitions", server.downTransitions())
                .field("lastChange", iso(server.lastChange()))
                .field("lastChangeSeconds", HumanFormat.elapsed(server.lastChange(), takenAt).toSeconds())
                .field("downtimeSeconds", server.downtime().toSeconds())
                .field("killedSessions", server.killedSessions())
                .field("sessionLimit", server.sessionLimit())
                .field("queueCurrent", server.queueCurrent())
                .field("queueMax", server.queueMax())
                .field("queueTimeouts", server.queueTimeouts())
                .field("queueTimeAverageMillis", server.queueTimeAverage().toMillis());
        CheckResult check = server.lastCheck();
        json.name("lastCheck").beginObject()
                .field("status", check.status())
                .field("code", check.code())
                .field("durationMillis", check.duration().toMillis())
                .field("detail", check.detail())
                .field("at", iso(check.at()))
                .endObject();
        json.endObject();
    }

    private static String iso(Instant instant) {
        return instant.toString();
    }
}
