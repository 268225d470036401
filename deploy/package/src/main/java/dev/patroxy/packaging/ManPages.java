package dev.patroxy.packaging;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Code;
import org.commonmark.node.Heading;
import org.commonmark.node.Node;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;

/**
 * Writes the man pages patroxy(1) and patroxy.yml(5) from the README, at build time, so that they say what the README
 * says: each page is a list of the README's sections, found by heading. A heading the README no longer has fails the
 * build. Run as {@code ManPages README OUTDIR VERSION DESCRIPTION}; writes {@code OUTDIR/patroxy.1.gz} and
 * {@code OUTDIR/patroxy.yml.5.gz}.
 */
public final class ManPages {
    /** Part of a page: the README's section under {@code heading}, under a title. */
    record Part(String heading, String title) {
        /** The text between the README's title and its first section. */
        static final String PREAMBLE = "";

        static Part section(String heading) {
            return new Part(heading, heading);
        }
    }

    /** One man page: its file name, section number, NAME line and parts. */
    record Page(String name, int section, String summary, List<Part> parts, String seeAlso) {
        String fileName() {
            return name + "." + section;
        }
    }

    static List<Page> pages(String description) {
        return List.of(
                new Page("patroxy", 1, description, List.of(
                        new Part(Part.PREAMBLE, "Description"),
                        Part.section("Command line"),
                        Part.section("Migrating from HAProxy"),
                        Part.section("The service"),
                        Part.section("Reloading the configuration"),
                        Part.section("How patroxy routes"),
                        Part.section("Stats page, CSV, JSON and metrics")),
                        "patroxy.yml(5), systemctl(1), journalctl(1)"),
                new Page("patroxy.yml", 5, "the configuration file of patroxy", List.of(
                        new Part("Configuration", "Description")),
                        "patroxy(1)"));
    }

    private ManPages() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: ManPages README OUTDIR VERSION DESCRIPTION");
        }
        Node readme = parse(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        for (Page page : pages(args[3])) {
            Path file = out.resolve(page.fileName() + ".gz");
            try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(file))) {
                gz.write(render(readme, page, args[2]).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    static Node parse(String markdown) {
        return Parser.builder().extensions(List.of(TablesExtension.create())).build().parse(markdown);
    }

    /** The page in roff, from the parsed README. */
    static String render(Node readme, Page page, String version) {
        StringBuilder text = new StringBuilder();
        text.append(".TH ").append(Roff.quoted(page.name().toUpperCase(Locale.ROOT))).append(' ')
                .append(page.section()).append(" \"\" ").append(Roff.quoted("patroxy " + version))
                .append(" \"patroxy\"\n");
        text.append(Roff.sectionLine("Name"));
        text.append(Roff.escape(page.name())).append(" \\- ").append(Roff.escape(nameLine(page.summary()))).append('\n');
        for (Part part : page.parts()) {
            text.append(part(readme, part));
        }
        text.append(Roff.sectionLine("See also")).append(page.seeAlso()).append('\n');
        return text.toString();
    }

    /** A summary as man pages' NAME lines have it: lower case first, no full stop. */
    static String nameLine(String summary) {
        String s = summary.endsWith(".") ? summary.substring(0, summary.length() - 1) : summary;
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }

    private static String part(Node readme, Part part) {
        Node start;
        Node end;
        int level;
        if (part.heading().equals(Part.PREAMBLE)) {
            Node title = readme.getFirstChild();
            start = title instanceof Heading h && h.getLevel() == 1 ? title.getNext() : title;
            end = nextHeading(start, 6);
            level = 1;
        } else {
            Heading heading = find(readme, part.heading());
            level = heading.getLevel();
            start = heading.getNext();
            end = nextHeading(start, level);
        }
        Roff roff = new Roff(level);
        roff.blocks(start, end);
        return Roff.sectionLine(part.title()) + roff.text();
    }

    /** The first heading from {@code from} on whose level is {@code level} or higher (a smaller number); or null. */
    private static Node nextHeading(Node from, int level) {
        for (Node n = from; n != null; n = n.getNext()) {
            if (n instanceof Heading h && h.getLevel() <= level) {
                return n;
            }
        }
        return null;
    }

    private static Heading find(Node readme, String title) {
        for (Node n = readme.getFirstChild(); n != null; n = n.getNext()) {
            if (n instanceof Heading h && title.equals(plainText(h))) {
                return h;
            }
        }
        throw new IllegalStateException("the README has no section \"" + title + "\" for the man pages");
    }

    private static String plainText(Node node) {
        StringBuilder text = new StringBuilder();
        for (Node n = node.getFirstChild(); n != null; n = n.getNext()) {
            if (n instanceof Text t) {
                text.append(t.getLiteral());
            } else if (n instanceof Code c) {
                text.append(c.getLiteral());
            } else {
                text.append(plainText(n));
            }
        }
        return text.toString();
    }
}
