package dev.patroxy.proxy.dcs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HostFailoverTest {
    private static final HostPort A = new HostPort("10.0.0.1", 2379);
    private static final HostPort B = new HostPort("10.0.0.2", 2379);
    private final HostFailover hosts = new HostFailover(List.of(A, B), Duration.ofMillis(100), Duration.ofMillis(500));

    @Test
    void aFailedHostHandsOverToTheNextAtOnceUntilEveryHostHasFailed() {
        assertThat(hosts.current()).isEqualTo(A);
        assertThat(hosts.failed()).isEmpty();
        assertThat(hosts.current()).isEqualTo(B);
        assertThat(hosts.failed()).contains(Duration.ofMillis(100));
        assertThat(hosts.current()).isEqualTo(A);
    }

    @Test
    void thePauseAfterEachLostRoundDoublesUpToTheBound() {
        List<Optional<Duration>> pauses = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            pauses.add(hosts.failed());
        }
        assertThat(pauses).filteredOn(Optional::isPresent).extracting(Optional::get).containsExactly(
                Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(500),
                Duration.ofMillis(500));
    }

    @Test
    void anAnswerStartsTheCountAndThePauseAfresh() {
        hosts.failed();
        hosts.failed();
        hosts.failed();
        hosts.succeeded();

        assertThat(hosts.failed()).as("one host failed, the other is still untried").isEmpty();
        assertThat(hosts.failed()).contains(Duration.ofMillis(100));
    }
}
