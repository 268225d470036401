package dev.patroxy.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    private final AtomicLong nanos = new AtomicLong();
    private final List<String> admitted = new ArrayList<>();

    private Admission.Waiter waiter(String name) {
        return () -> admitted.add(name);
    }

    @Test
    void raisingTheLimitAdmitsTheFirstWaitersAndLoweringItCutsNobody() {
        Admission admission = new Admission(1, nanos::get);
        List<Boolean> fullness = new ArrayList<>();
        admission.onFullnessChange(() -> fullness.add(admission.isFull()));
        assertThat(admission.enterOrQueue(waiter("a"))).isTrue();
        assertThat(admission.enterOrQueue(waiter("b"))).isFalse();
        assertThat(admission.enterOrQueue(waiter("c"))).isFalse();
        assertThat(admission.enterOrQueue(waiter("d"))).isFalse();

        admission.setLimit(3);

        assertThat(admitted).containsExactly("b", "c");
        assertThat(admission.queued()).isEqualTo(1);
        assertThat(admission.limit()).isEqualTo(3);
        admission.setLimit(1);
        assertThat(admission.inUse()).isEqualTo(3);
        admission.setLimit(0);
        assertThat(admitted).containsExactly("b", "c", "d");
        assertThat(fullness).containsExactly(true, false);
    }

    @Test
    void withoutALimitEveryoneEntersAtOnce() {
        Admission admission = new Admission(0, nanos::get);
        for (int i = 0; i < 1000; i++) {
            assertThat(admission.enterOrQueue(waiter("w" + i))).isTrue();
        }
        assertThat(admission.queued()).isZero();
        assertThat(admission.isFull()).isFalse();
    }

    @Test
    void pastTheLimitSessionsQueueAndALeavingSessionHandsItsPlaceToTheFirstInLine() {
        Admission admission = new Admission(2, nanos::get);
        assertThat(admission.enterOrQueue(waiter("a"))).isTrue();
        assertThat(admission.enterOrQueue(waiter("b"))).isTrue();
        assertThat(admission.isFull()).isTrue();
        assertThat(admission.enterOrQueue(waiter("c"))).isFalse();
        assertThat(admission.enterOrQueue(waiter("d"))).isFalse();
        assertThat(admission.queued()).isEqualTo(2);

        admission.leave();
        assertThat(admitted).containsExactly("c");
        assertThat(admission.inUse()).as("the place passed on, not freed").isEqualTo(2);
        admission.leave();
        admission.leave();
        assertThat(admitted).containsExactly("c", "d");
        assertThat(admission.inUse()).isEqualTo(1);
        assertThat(admission.maxQueued()).isEqualTo(2);
    }

    @Test
    void aNewcomerDoesNotJumpTheQueueWhenAPlaceIsFree() {
        Admission admission = new Admission(1, nanos::get);
        admission.enterOrQueue(waiter("a"));
        admission.enterOrQueue(waiter("b"));
        admission.leave();

        assertThat(admission.enterOrQueue(waiter("c"))).isFalse();
        assertThat(admitted).containsExactly("b");
    }

    @Test
    void aWaiterThatTimesOutOrWithdrawsLeavesTheQueueOnceAndIsNotAdmitted() {
        Admission admission = new Admission(1, nanos::get);
        admission.enterOrQueue(waiter("a"));
        Admission.Waiter late = waiter("late");
        Admission.Waiter gone = waiter("gone");
        admission.enterOrQueue(late);
        admission.enterOrQueue(gone);

        assertThat(admission.timeOut(late)).isTrue();
        assertThat(admission.timeOut(late)).isFalse();
        assertThat(admission.withdraw(gone)).isTrue();
        admission.leave();

        assertThat(admitted).isEmpty();
        assertThat(admission.timeouts()).isEqualTo(1);
        assertThat(admission.inUse()).isZero();
    }

    @Test
    void releasingTheQueueAdmitsEveryWaiterSoTheyCanLeaveForAnotherServer() {
        Admission admission = new Admission(1, nanos::get);
        admission.enterOrQueue(waiter("a"));
        admission.enterOrQueue(waiter("b"));
        admission.enterOrQueue(waiter("c"));

        admission.releaseQueue();

        assertThat(admitted).containsExactly("b", "c");
        assertThat(admission.queued()).isZero();
        admission.leave();
        admission.leave();
        admission.leave();
        assertThat(admission.inUse()).isZero();
    }

    @Test
    void averagesTheWaitOverEverySessionLikeHaproxysQtime() {
        Admission admission = new Admission(1, nanos::get);
        admission.enterOrQueue(waiter("a"));
        admission.enterOrQueue(waiter("b"));
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(30));
        admission.leave();

        assertThat(TimeUnit.NANOSECONDS.toMillis(admission.averageWaitNanos())).as("(0 + 30) / 2").isEqualTo(15);
    }

    @Test
    void tellsWhenTheLimitIsReachedAndWhenAPlaceFreesUp() {
        Admission admission = new Admission(1, nanos::get);
        List<Boolean> fullness = new ArrayList<>();
        admission.onFullnessChange(() -> fullness.add(admission.isFull()));

        admission.enterOrQueue(waiter("a"));
        admission.leave();

        assertThat(fullness).containsExactly(true, false);
    }
}
