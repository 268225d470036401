package dev.patroxy.proxy.routing;

import dev.patroxy.stats.DetectionHistogram;
import dev.patroxy.stats.RoleChange;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * The recent changes of the server a primary listener routes to, newest first, and how many there were since
 * start. Written by the health thread, read by the stats thread.
 */
public final class RoleChanges {
    private static final int KEPT = 10;

    private final Deque<RoleChange> recent = new ArrayDeque<>();
    private long total;
    private Instant firstSign;
    private final long[] detectionBuckets = new long[DetectionHistogram.BOUNDS_SECONDS.size() + 1];
    private double detectionSumSeconds;

    /** Notes the first sign of a change under way (kept until a new server takes the sessions). */
    public synchronized void signSeen(Instant at) {
        if (firstSign == null) {
            firstSign = at;
        }
    }

    /** The sign came to nothing: the current primary answers its check again and no change is under way. */
    public synchronized void signGone() {
        firstSign = null;
    }

    /** Records that new sessions now go to {@code to} (null: nowhere) instead of {@code from}. */
    public synchronized void record(Instant at, Backend from, Backend to, String why) {
        signSeen(at);
        Duration detection = from == null && total == 0 ? null : Duration.between(firstSign, at);
        recent.addFirst(new RoleChange(at, name(from), name(to), why, detection));
        if (detection != null) {
            countDetection(detection.toNanos() / 1e9);
        }
        if (recent.size() > KEPT) {
            recent.removeLast();
        }
        total++;
        if (to != null) {
            firstSign = null;
        }
    }

    private void countDetection(double seconds) {
        int bucket = 0;
        while (bucket < DetectionHistogram.BOUNDS_SECONDS.size() && seconds > DetectionHistogram.BOUNDS_SECONDS.get(bucket)) {
            bucket++;
        }
        detectionBuckets[bucket]++;
        detectionSumSeconds += seconds;
    }

    /** Every detection time since start, bucketed. */
    public synchronized DetectionHistogram detections() {
        return new DetectionHistogram(Arrays.stream(detectionBuckets).boxed().toList(), detectionSumSeconds);
    }

    private static String name(Backend backend) {
        return backend == null ? null : backend.server().name();
    }

    public synchronized List<RoleChange> recent() {
        return List.copyOf(recent);
    }

    public synchronized long total() {
        return total;
    }
}
