package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FirstPacketPlacesTest {
    @Test
    void theOpenFilesLeftByMaxconnSessionsAndAtLeastAQuarterOfThem() {
        assertThat(FirstPacketPlaces.forOpenFiles(20_000, 100)).isEqualTo(19_544);
        assertThat(FirstPacketPlaces.forOpenFiles(20_000, 20_000)).as("maxconn past what the files allow")
                .isEqualTo(5_000);
        assertThat(FirstPacketPlaces.forOpenFiles(20_000, 0)).as("no maxconn").isEqualTo(10_000);
        assertThat(FirstPacketPlaces.forOpenFiles(Long.MAX_VALUE, 0)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void pastTheLimitNothingIsTakenUntilAPlaceIsGivenBack() {
        FirstPacketPlaces places = new FirstPacketPlaces(2);
        assertThat(places.tryEnter()).isTrue();
        assertThat(places.tryEnter()).isTrue();
        assertThat(places.tryEnter()).isFalse();
        assertThat(places.inUse()).isEqualTo(2);
        places.leave();
        assertThat(places.tryEnter()).isTrue();
    }
}
