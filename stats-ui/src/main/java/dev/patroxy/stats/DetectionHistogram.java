package dev.patroxy.stats;

import java.util.List;

/**
 * How long a listener's role changes took to detect since start, from the first sign of each change to the routing
 * decision, as a Prometheus classic histogram.
 *
 * @param bucketCounts how many detections fell in each bucket of {@link #BOUNDS_SECONDS} (not cumulative), the last
 *     entry counting those above the highest bound
 * @param sumSeconds the detection times added up
 */
public record DetectionHistogram(List<Long> bucketCounts, double sumSeconds) {
    /** Upper bounds, in seconds: a fast-checked change lands in the first few, a check interval near 1-3 s. */
    public static final List<Double> BOUNDS_SECONDS =
            List.of(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0);
    public static final DetectionHistogram EMPTY =
            new DetectionHistogram(java.util.Collections.nCopies(BOUNDS_SECONDS.size() + 1, 0L), 0);

    public DetectionHistogram {
        bucketCounts = List.copyOf(bucketCounts);
        if (bucketCounts.size() != BOUNDS_SECONDS.size() + 1) {
            throw new IllegalArgumentException("expected " + (BOUNDS_SECONDS.size() + 1) + " buckets, got "
                    + bucketCounts.size());
        }
    }

    public long count() {
        return bucketCounts.stream().mapToLong(Long::longValue).sum();
    }
}
