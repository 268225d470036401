package dev.patroxy.proxy.admin;

import java.util.List;

/**
 * What an operator may change while patroxy runs, shared by the runtime API and the stats page's admin controls.
 * Each method answers with the text HAProxy 2.6 prints for the same command: empty when done, otherwise the
 * error line (for example {@code No such server.}).
 */
public interface AdminActions {
    /** {@code set server B/S state ready|drain|maint}; {@code disable server} is maint, {@code enable server} ready. */
    String setServerState(String backend, String server, String state);

    /** {@code set weight B/S N[%]}. */
    String setWeight(String backend, String server, String weight);

    /** {@code get weight B/S}: {@code N (initial M)}. */
    String getWeight(String backend, String server);

    /**
     * {@code set maxconn server B/S N}, {@code set maxconn frontend F N}, {@code set maxconn global N}.
     *
     * @param scope {@code server}, {@code frontend} or {@code global}
     * @param target {@code B/S}, the frontend's name, or null for {@code global}
     */
    String setMaxconn(String scope, String target, String value);

    /** {@code disable frontend F}: stop taking sessions; clients are held as when there is no primary. */
    String disableFrontend(String frontend);

    /** {@code enable frontend F}. */
    String enableFrontend(String frontend);

    /** {@code shutdown session ID}, the id as {@link SessionInfo#id()} gives it. */
    String shutdownSession(String id);

    /** {@code shutdown sessions server B/S}. */
    String shutdownSessions(String backend, String server);

    /** Every client session open now, for {@code show sess}. */
    List<SessionInfo> sessions();
}
