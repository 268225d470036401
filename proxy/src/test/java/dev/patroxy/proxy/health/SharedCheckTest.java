package dev.patroxy.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.proxy.ManualClock;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One shared check in simulated time: nothing a probe does can stop its schedule. */
class SharedCheckTest {
    private static final CheckTarget TARGET = new CheckTarget(new HostPort("10.0.0.1", 8008),
            new CheckConfig("GET", "/primary", 200, Duration.ofSeconds(1), Duration.ofDays(3), 1, 3));
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-03T07:00:00Z"));
    private final EmbeddedChannel loop = new EmbeddedChannel();
    private final List<CheckAnswer> answers = new ArrayList<>();
    private int probed;
    private CheckRegistry registry;

    private void follow(Function<CheckTarget, Probe> probes) {
        loop.freezeTime();
        registry = new CheckRegistry(loop.eventLoop(), clock, probes, new SplittableRandom(3), () -> { });
        registry.subscribe(TARGET, Runnable::run, (answer, sentAt) -> answers.add(answer));
    }

    private void run(Duration span) {
        for (long ms = 0; ms < span.toMillis(); ms++) {
            clock.advance(Duration.ofMillis(1));
            loop.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            loop.runPendingTasks();
            loop.runPendingTasks();
        }
    }

    @AfterEach
    void stop() {
        registry.close();
        loop.finishAndReleaseAll();
    }

    @Test
    void aProbeThatNeverAnswersIsGivenUpPastItsDeadlineAndTheNextCheckGoesOut() {
        follow(target -> done -> probed++);

        run(Duration.ofSeconds(20));

        // Each: the 5 s deadline (timeout check of 3 days, clamped) and 1 s of grace, then inter: one every 7 s.
        assertThat(probed).isEqualTo(3);
        assertThat(answers).hasSize(2).allSatisfy(a -> {
            assertThat(a.result().status()).isEqualTo("L4TOUT");
            assertThat(a.result().detail()).isEqualTo("no answer within 5000ms");
        });
    }

    @Test
    void aProbeThatCannotBeMadeIsAnErrorAnswerAndTriedAgainEveryInter() {
        follow(target -> {
            probed++;
            throw new IllegalArgumentException("Invalid URL port: \"\"");
        });

        run(Duration.ofMillis(3500));

        assertThat(probed).isEqualTo(4);
        assertThat(answers).hasSize(4).allSatisfy(a -> {
            assertThat(a.result().status()).isEqualTo(CheckRegistry.ERROR_STATUS);
            assertThat(a.result().detail()).isEqualTo("check not sent: Invalid URL port: \"\" (GET http://10.0.0.1:8008/primary)");
        });
    }
}
