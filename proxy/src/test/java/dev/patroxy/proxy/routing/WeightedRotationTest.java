package dev.patroxy.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.Balance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightedRotationTest {
    private final ListenerRouter router = ListenerRouterTest.router(Balance.ROUNDROBIN, "pg01", "pg02", "pg03");
    private final Backend pg01 = router.backends().get(0);
    private final Backend pg02 = router.backends().get(1);
    private final Backend pg03 = router.backends().get(2);

    @Test
    void equalWeightsKeepTheServersInTheirOrder() {
        List<Backend> servers = List.of(pg01, pg02, pg03);
        assertThat(WeightedRotation.of(servers, b -> 5)).isSameAs(servers);
    }

    @Test
    void aCycleHasEachServerAsOftenAsItsWeightSpreadOut() {
        Map<Backend, Integer> weights = Map.of(pg01, 6, pg02, 2, pg03, 2);
        List<Backend> cycle = WeightedRotation.of(List.of(pg01, pg02, pg03), weights::get);
        assertThat(cycle).hasSize(5);
        assertThat(cycle.stream().filter(b -> b == pg01).count()).isEqualTo(3);
        assertThat(cycle).containsExactly(pg01, pg02, pg01, pg03, pg01);
    }

    @Test
    void theRouterPicksByWeight() {
        pg01.updateAdmin(a -> a.withWeight(3));
        router.refresh(b -> b != pg03);
        long toPg01 = java.util.stream.IntStream.range(0, 8).mapToObj(i -> router.pick().orElseThrow())
                .filter(b -> b == pg01).count();
        assertThat(toPg01).isEqualTo(6);
    }
}
