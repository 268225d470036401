package dev.patroxy.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HoldQueueTest {
    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * MS);
    private final List<String> releases = new ArrayList<>();

    private HoldQueue.Held client(String name) {
        return delay -> releases.add(name + "+" + delay / MS + "ms");
    }

    @Test
    void withoutARateEveryHeldClientGoesAtOnceInArrivalOrder() {
        HoldQueue queue = new HoldQueue(0, now::get);
        queue.hold(client("a"));
        queue.hold(client("b"));
        assertThat(queue.size()).isEqualTo(2);

        queue.releaseAll();

        assertThat(releases).containsExactly("a+0ms", "b+0ms");
        assertThat(queue.size()).isZero();
        assertThat(queue.maxHeld()).isEqualTo(2);
        assertThat(queue.released()).isEqualTo(2);
    }

    @Test
    void aRateSpacesTheReleasesAndKeepsThePaceAcrossReleases() {
        HoldQueue queue = new HoldQueue(100, now::get);
        queue.hold(client("a"));
        queue.hold(client("b"));
        queue.hold(client("c"));
        queue.releaseAll();
        assertThat(releases).containsExactly("a+0ms", "b+10ms", "c+20ms");

        now.addAndGet(5 * MS);
        queue.hold(client("d"));
        queue.releaseAll();
        assertThat(releases).last().as("after c's slot at +20 ms, 5 ms later").isEqualTo("d+25ms");

        now.addAndGet(1_000 * MS);
        queue.hold(client("e"));
        queue.releaseAll();
        assertThat(releases).last().as("the pace does not bank idle time").isEqualTo("e+0ms");
    }

    @Test
    void aClientThatLeftOrTimedOutIsNotReleasedAndOnlyTimeoutsAreCounted() {
        HoldQueue queue = new HoldQueue(0, now::get);
        HoldQueue.Held left = client("left");
        HoldQueue.Held expired = client("expired");
        queue.hold(left);
        queue.hold(expired);
        queue.hold(client("stays"));

        assertThat(queue.withdraw(left)).isTrue();
        assertThat(queue.timeOut(expired)).isTrue();
        assertThat(queue.timeOut(expired)).as("already gone").isFalse();
        queue.releaseAll();

        assertThat(releases).containsExactly("stays+0ms");
        assertThat(queue.timeouts()).isEqualTo(1);
    }

    @Test
    void releasingAnEmptyQueueDoesNothing() {
        HoldQueue queue = new HoldQueue(10, now::get);
        queue.releaseAll();
        queue.hold(client("a"));
        queue.releaseAll();
        assertThat(releases).containsExactly("a+0ms");
    }
}
