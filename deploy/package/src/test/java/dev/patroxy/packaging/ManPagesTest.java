package dev.patroxy.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.commonmark.node.Node;
import org.junit.jupiter.api.Test;

/** The man pages as the build writes them from the real README. */
class ManPagesTest {
    private static final Path REPO = Path.of(System.getProperty("patroxy.repo", "../.."));

    private static Node readme() throws IOException {
        return ManPages.parse(Files.readString(REPO.resolve("README.md"), StandardCharsets.UTF_8));
    }

    @Test
    void patroxy1HasTheReadmesDescriptionCommandLineAndService() throws IOException {
        ManPages.Page page = ManPages.pages("An L4 proxy.").get(0);
        String roff = ManPages.render(readme(), page, "1.2.3");

        assertThat(roff).startsWith(".TH \"PATROXY\" 1 \"\" \"patroxy 1.2.3\" \"patroxy\"\n.SH \"NAME\"\n"
                + "patroxy \\- an L4 proxy\n.SH \"DESCRIPTION\"\n.PP\npatroxy is a TCP proxy");
        assertThat(roff).contains(".SH \"COMMAND LINE\"", ".SH \"THE SERVICE\"", ".SH \"RELOADING THE CONFIGURATION\"",
                ".SH \"HOW PATROXY ROUTES\"", "\\fB\\%\\-\\-check\\fR");
        assertThat(roff).endsWith(".SH \"SEE ALSO\"\npatroxy.yml(5), systemctl(1), journalctl(1)\n");
        // The command line is the Configuration section's lead only: its reference table is patroxy.yml(5)'s.
        assertThat(roff).doesNotContain("global.maxconn-startup");
    }

    @Test
    void patroxyYml5HasEveryKeyOfTheReference() throws IOException {
        String roff = ManPages.render(readme(), ManPages.pages("An L4 proxy.").get(1), "1.2.3");

        assertThat(roff).startsWith(".TH \"PATROXY.YML\" 5 ");
        assertThat(roff).contains(".TP\n\\fB\\%global.maxconn\\fR\n", ".TP\n\\fB\\%check.fall\\fR\n",
                ".SS \"The session log\"");
    }

    @Test
    void aSectionTheReadmeNoLongerHasFailsTheBuild() {
        Node readme = ManPages.parse("# patroxy\n\nIntro.\n\n## Other\n");
        ManPages.Page page = new ManPages.Page("patroxy", 1, "x", List.of(ManPages.Part.section("Gone")), "");

        assertThatThrownBy(() -> ManPages.render(readme, page, "1"))
                .hasMessage("the README has no section \"Gone\" for the man pages");
    }

    @Test
    void groffReadsBothPagesWithoutAWarningBeyondLineLayout() throws Exception {
        assumeThat(Path.of("/usr/bin/groff")).as("groff is installed").exists();
        for (ManPages.Page page : ManPages.pages("An L4 proxy.")) {
            Process groff = new ProcessBuilder("groff", "-man", "-ww", "-z", "-Tutf8").redirectErrorStream(true)
                    .start();
            groff.getOutputStream().write(ManPages.render(readme(), page, "1").getBytes(StandardCharsets.UTF_8));
            groff.getOutputStream().close();
            String warnings = new String(groff.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(groff.waitFor(30, TimeUnit.SECONDS)).isTrue();

            assertThat(groff.exitValue()).isZero();
            // A long code span, never hyphenated, may not fit a line or let it be justified: layout only.
            assertThat(warnings.lines().filter(l -> !l.endsWith("cannot adjust line") && !l.endsWith("can't break line")))
                    .as(page.fileName()).isEmpty();
        }
    }
}
