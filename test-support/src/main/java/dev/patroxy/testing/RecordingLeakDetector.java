package dev.patroxy.testing;

import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Netty's leak detector, keeping what it reports so that {@link LeakCheck} can fail the test instead of a log line
 * nobody reads. Netty instantiates it for every tracked resource type when the test JVM runs with
 * {@code -Dio.netty.customResourceLeakDetector=dev.patroxy.testing.RecordingLeakDetector}.
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    private static final ConcurrentLinkedQueue<String> REPORTS = new ConcurrentLinkedQueue<>();

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
    }

    /** Netty looks for this constructor first and logs an error when it is missing; maxActive is unused. */
    @SuppressWarnings("deprecation")
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        super(resourceType, samplingInterval, maxActive);
    }

    /** Whether Netty was told to use this class; without it no leak can be recorded. */
    static boolean installed() {
        return RecordingLeakDetector.class.getName().equals(System.getProperty("io.netty.customResourceLeakDetector"));
    }

    /** The leaks reported since the last call, oldest first. */
    static List<String> takeReports() {
        List<String> taken = new ArrayList<>();
        for (String report = REPORTS.poll(); report != null; report = REPORTS.poll()) {
            taken.add(report);
        }
        return taken;
    }

    /** Reported whatever the logging configuration: a test JVM may have Netty's logger switched off. */
    @Override
    protected boolean needReport() {
        return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        REPORTS.add(resourceType + ".release() was not called before it was garbage-collected." + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        REPORTS.add(resourceType + ".release() was not called before it was garbage-collected"
                + " (no access records: run with -Dio.netty.leakDetection.level=paranoid)");
        super.reportUntracedLeak(resourceType);
    }
}
