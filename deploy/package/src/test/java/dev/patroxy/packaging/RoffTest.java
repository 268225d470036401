package dev.patroxy.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import org.commonmark.node.Node;
import org.junit.jupiter.api.Test;

class RoffTest {
    private static String roff(String markdown, int topLevel) {
        Node document = ManPages.parse(markdown);
        Roff roff = new Roff(topLevel);
        roff.blocks(document.getFirstChild(), null);
        return roff.text();
    }

    @Test
    void headingsAtTheTopLevelAreSectionsAndDeeperOnesSubsections() {
        assertThat(roff("## Reloading\n\n### The drain\n", 2))
                .isEqualTo(".SH \"RELOADING\"\n.SS \"The drain\"\n");
    }

    @Test
    void inlineCodeIsBoldUnhyphenatedWithMinusSignsEmphasisItalicLinksTheirText() {
        assertThat(roff("Run `patroxy --check` *now*, see [Reloading](#reloading) and **this**.", 2))
                .isEqualTo(".PP\nRun \\fB\\%patroxy \\-\\-check\\fR \\fInow\\fR, see Reloading and \\fBthis\\fR.\n");
    }

    @Test
    void aLineThatWouldBeARequestIsProtectedAndBackslashesAreEscaped() {
        assertThat(roff("A path\n.profile and 'quoted' and C:\\dir", 2))
                .isEqualTo(".PP\nA path\n\\&.profile and 'quoted' and C:\\edir\n");
    }

    @Test
    void codeBlocksAreLiteralAndIndented() {
        assertThat(roff("```sh\n.hidden\nkill -HUP 1\n```\n", 2))
                .isEqualTo(".PP\n.RS 4\n.nf\n\\&.hidden\nkill -HUP 1\n.fi\n.RE\n");
    }

    @Test
    void bulletListsAreIndentedParagraphs() {
        assertThat(roff("- one\n- two\n  lines\n", 2))
                .isEqualTo(".IP \\(bu 2\none\n.IP \\(bu 2\ntwo\nlines\n.PP\n");
    }

    @Test
    void aTableRowIsATaggedParagraphWithTheLaterColumnsNamedByTheirHeader() {
        assertThat(roff("| key | meaning | default |\n|---|---|---|\n| `a.b` | what it does | `3s` |\n"
                + "| `c` | no default | |\n", 2))
                .isEqualTo(".TP\n\\fB\\%a.b\\fR\nwhat it does\n.br\nDefault: \\fB\\%3s\\fR\n"
                        + ".TP\n\\fB\\%c\\fR\nno default\n.PP\n");
    }
}
