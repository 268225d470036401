package dev.patroxy.proxy.dcs;

/** What one answer of the DCS says about the leader key, and from which index to watch next. */
sealed interface LeaderKeyAnswer {
    /** The key names {@code member}, written at {@code index}; watch next from {@code nextIndex}. */
    record Leader(String member, long index, long nextIndex) implements LeaderKeyAnswer {
    }

    /** The key is absent as of {@code index}; watch next from {@code nextIndex}. */
    record NoLeader(long index, long nextIndex) implements LeaderKeyAnswer {
    }

    /** The watch asked for history the DCS no longer keeps: read the key again. */
    record HistoryGone() implements LeaderKeyAnswer {
    }

    /** Not an answer about the key: this host failed. */
    record Failed(String reason) implements LeaderKeyAnswer {
    }
}
