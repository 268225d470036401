package dev.patroxy.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.stats.AdminState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminStateFileTest {
    @TempDir
    Path dir;

    @Test
    void whatOperatorsSetComesBackAfterARestart() throws Exception {
        AdminStates before = new AdminStates();
        before.cell("primary", "pg02").updateAndGet(a -> a.withState(AdminState.MAINT, true, Instant.EPOCH));
        before.cell("replicas", "pg03").updateAndGet(a -> a.withState(AdminState.DRAIN, true, Instant.EPOCH)
                .withWeight(7));
        before.cell("replicas", "pg02");
        AdminStateFile file = new AdminStateFile(dir.resolve("server-state"));

        file.save(before.saved());
        AdminStateFile.Loaded loaded = file.load();
        AdminStates after = new AdminStates();
        after.restore(loaded.servers());

        assertThat(loaded.problem()).isEmpty();
        assertThat(after.cell("primary", "pg02").get().state()).isEqualTo(AdminState.MAINT);
        assertThat(after.cell("replicas", "pg03").get().state()).isEqualTo(AdminState.DRAIN);
        assertThat(after.cell("replicas", "pg03").get().weight()).isEqualTo(7);
        assertThat(after.cell("replicas", "pg02").get().admitsNewSessions()).isTrue();
        assertThat(Files.readString(dir.resolve("server-state"))).isEqualTo("""
                patroxy-server-state 1
                # listener server state weight initial-weight
                primary pg02 MAINT 1 1
                replicas pg02 READY 1 1
                replicas pg03 DRAIN 7 1
                """);
    }

    @Test
    void aSaveReplacesTheFileWholeAndLeavesNothingBeside() throws Exception {
        AdminStateFile file = new AdminStateFile(dir.resolve("server-state"));
        file.save(List.of(new AdminStateFile.Saved("primary", "pg01", AdminState.MAINT, 1, 1)));
        file.save(List.of(new AdminStateFile.Saved("primary", "pg01", AdminState.READY, 1, 1)));

        assertThat(file.load().servers()).extracting(AdminStateFile.Saved::state).containsExactly(AdminState.READY);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("server-state");
        }
    }

    @Test
    void aMissingFileIsNoStateAndNoProblem() {
        AdminStateFile.Loaded loaded = new AdminStateFile(dir.resolve("absent")).load();
        assertThat(loaded.servers()).isEmpty();
        assertThat(loaded.problem()).isEmpty();
    }

    @Test
    void aForeignFileIsReportedAndLeftOut() throws Exception {
        Path haproxys = dir.resolve("haproxy-state");
        Files.writeString(haproxys, "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state\n"
                + "2 primary 1 pg01 10.0.0.1 2 0 1 1\n");
        AdminStateFile.Loaded loaded = new AdminStateFile(haproxys).load();
        assertThat(loaded.servers()).isEmpty();
        assertThat(loaded.problem()).hasValueSatisfying(p -> assertThat(p).contains("is not a patroxy server state"));
    }

    @Test
    void aCorruptFileIsReportedAndLeftOutWhole() throws Exception {
        Path state = dir.resolve("server-state");
        Files.writeString(state, AdminStateFile.VERSION_LINE + "\nprimary pg01 MAINT 1 1\nprimary pg02 SLEEPY 1 1\n");
        AdminStateFile.Loaded loaded = new AdminStateFile(state).load();
        assertThat(loaded.servers()).as("not half of it").isEmpty();
        assertThat(loaded.problem()).hasValueSatisfying(p -> assertThat(p).contains("line 3"));
        Files.write(state, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        assertThat(new AdminStateFile(state).load().problem()).isPresent();
    }
}
