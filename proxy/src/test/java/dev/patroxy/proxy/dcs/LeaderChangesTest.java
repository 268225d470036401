package dev.patroxy.proxy.dcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaderChangesTest {
    private final List<String> heard = new ArrayList<>();
    private final LeaderChanges changes = new LeaderChanges(new LeaderListener() {
        @Override
        public void leaderIs(String member, long index) {
            heard.add(member + "@" + index);
        }

        @Override
        public void noLeader(long index) {
            heard.add("none@" + index);
        }

        @Override
        public void unreachable(String reason) {
            heard.add("unreachable");
        }
    });

    @Test
    void passesOnEachChangeOnce() {
        changes.leaderIs("pg01", 4);
        changes.leaderIs("pg01", 5);
        changes.noLeader(6);
        changes.noLeader(7);
        changes.leaderIs("pg02", 8);
        changes.unreachable("refused");
        changes.unreachable("refused again");
        changes.leaderIs("pg02", 20);

        assertThat(heard).containsExactly("pg01@4", "none@6", "pg02@8", "unreachable", "pg02@20");
    }

    @Test
    void aChangeTheListenerThrewOnIsPassedOnAgain() {
        LeaderChanges failingOnce = new LeaderChanges(new LeaderListener() {
            private boolean failed;

            @Override
            public void leaderIs(String member, long index) {
                if (!failed) {
                    failed = true;
                    throw new IllegalStateException("listener bug");
                }
                heard.add(member + "@" + index);
            }

            @Override
            public void noLeader(long index) {
            }

            @Override
            public void unreachable(String reason) {
            }
        });

        assertThatThrownBy(() -> failingOnce.leaderIs("pg01", 4)).isInstanceOf(IllegalStateException.class);
        assertThat(failingOnce.passedOn()).isEqualTo("nothing yet");
        failingOnce.leaderIs("pg01", 5);

        assertThat(heard).containsExactly("pg01@5");
        assertThat(failingOnce.passedOn()).isEqualTo("pg01");
    }
}
