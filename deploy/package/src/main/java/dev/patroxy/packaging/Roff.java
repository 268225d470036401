package dev.patroxy.packaging;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.commonmark.ext.gfm.tables.TableBlock;
import org.commonmark.ext.gfm.tables.TableCell;
import org.commonmark.ext.gfm.tables.TableHead;
import org.commonmark.ext.gfm.tables.TableRow;
import org.commonmark.node.BlockQuote;
import org.commonmark.node.BulletList;
import org.commonmark.node.Code;
import org.commonmark.node.Emphasis;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.HardLineBreak;
import org.commonmark.node.Heading;
import org.commonmark.node.IndentedCodeBlock;
import org.commonmark.node.ListItem;
import org.commonmark.node.Node;
import org.commonmark.node.OrderedList;
import org.commonmark.node.Paragraph;
import org.commonmark.node.SoftLineBreak;
import org.commonmark.node.StrongEmphasis;
import org.commonmark.node.Text;

/**
 * Markdown blocks, as commonmark parses them, written as man(7) roff: headings become {@code .SH} (the top level of
 * a page's part) and {@code .SS}, paragraphs {@code .PP}, lists {@code .IP}, code blocks no-fill literal blocks, and a
 * table one {@code .TP} entry per row (its first cell the tag, the second the text, the others "Header: value").
 * Inline code is bold, emphasis italic, links their text.
 */
final class Roff {
    private final StringBuilder out = new StringBuilder();
    /** The markdown heading level that {@code .SH} stands for. */
    private final int topLevel;

    Roff(int topLevel) {
        this.topLevel = topLevel;
    }

    String text() {
        return out.toString();
    }

    /** A section heading line, upper case as man pages have them. */
    static String sectionLine(String title) {
        return ".SH " + quoted(title.toUpperCase(Locale.ROOT)) + "\n";
    }

    /** Writes {@code block} and what follows it up to {@code end} (exclusive; null for the end of the document). */
    void blocks(Node block, Node end) {
        for (Node n = block; n != null && n != end; n = n.getNext()) {
            block(n);
        }
    }

    private void block(Node node) {
        if (node instanceof Heading h) {
            String title = inline(h).replace('\n', ' ');
            if (h.getLevel() <= topLevel) {
                out.append(sectionLine(title));
            } else {
                macro(".SS " + quoted(title));
            }
        } else if (node instanceof Paragraph p) {
            macro(".PP");
            lines(inline(p));
        } else if (node instanceof FencedCodeBlock code) {
            literal(code.getLiteral());
        } else if (node instanceof IndentedCodeBlock code) {
            literal(code.getLiteral());
        } else if (node instanceof BulletList || node instanceof OrderedList) {
            list(node);
        } else if (node instanceof BlockQuote quote) {
            macro(".RS 4");
            blocks(quote.getFirstChild(), null);
            macro(".RE");
        } else if (node instanceof TableBlock table) {
            table(table);
        }
        // Thematic breaks and raw HTML have no place in a man page.
    }

    private void list(Node list) {
        int number = list instanceof OrderedList o ? o.getMarkerStartNumber() : 0;
        for (Node item = list.getFirstChild(); item != null; item = item.getNext()) {
            macro(list instanceof OrderedList ? ".IP " + number++ + ". 4" : ".IP \\(bu 2");
            listItem((ListItem) item);
        }
        macro(".PP");
    }

    /** The item's first paragraph goes on the {@code .IP} line's paragraph; the blocks after it are indented alike. */
    private void listItem(ListItem item) {
        boolean first = true;
        for (Node child = item.getFirstChild(); child != null; child = child.getNext()) {
            if (child instanceof Paragraph p) {
                if (!first) {
                    macro(".IP \"\" 2");
                }
                lines(inline(p));
            } else if (child instanceof BulletList || child instanceof OrderedList) {
                macro(".RS 2");
                list(child);
                macro(".RE");
            } else {
                block(child);
            }
            first = false;
        }
    }

    private void table(TableBlock table) {
        List<String> headers = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        for (Node section = table.getFirstChild(); section != null; section = section.getNext()) {
            for (Node row = section.getFirstChild(); row != null; row = row.getNext()) {
                List<String> cells = new ArrayList<>();
                for (Node cell = row.getFirstChild(); cell != null; cell = cell.getNext()) {
                    cells.add(inline(cell));
                }
                if (section instanceof TableHead) {
                    headers = cells;
                } else if (row instanceof TableRow) {
                    rows.add(cells);
                }
            }
        }
        for (List<String> cells : rows) {
            macro(".TP");
            lines(cells.isEmpty() ? "" : cells.get(0));
            if (cells.size() > 1) {
                lines(cells.get(1));
            }
            for (int i = 2; i < cells.size(); i++) {
                if (cells.get(i).isBlank()) {
                    continue;
                }
                macro(".br");
                String header = i < headers.size() ? headers.get(i) : "";
                lines(header.isEmpty() ? cells.get(i)
                        : header.substring(0, 1).toUpperCase(Locale.ROOT) + header.substring(1) + ": " + cells.get(i));
            }
        }
        macro(".PP");
    }

    private void literal(String code) {
        macro(".PP");
        macro(".RS 4");
        macro(".nf");
        for (String line : code.stripTrailing().split("\n", -1)) {
            out.append(protectLineStart(escape(line))).append('\n');
        }
        macro(".fi");
        macro(".RE");
    }

    /** The inline content of {@code parent} as roff text, lines joined by newlines. */
    private static String inline(Node parent) {
        StringBuilder text = new StringBuilder();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNext()) {
            inline(n, text);
        }
        return text.toString();
    }

    private static void inline(Node node, StringBuilder text) {
        if (node instanceof Text t) {
            text.append(escape(t.getLiteral()));
        } else if (node instanceof Code c) {
            // Bold, never hyphenated (\%), with real minus signs, so that an option reads as typed.
            text.append("\\fB\\%").append(escape(c.getLiteral()).replace("-", "\\-")).append("\\fR");
        } else if (node instanceof Emphasis) {
            text.append("\\fI").append(inline(node)).append("\\fR");
        } else if (node instanceof StrongEmphasis) {
            text.append("\\fB").append(inline(node)).append("\\fR");
        } else if (node instanceof SoftLineBreak) {
            text.append('\n');
        } else if (node instanceof HardLineBreak) {
            text.append("\n.br\n");
        } else if (node instanceof TableCell || node.getFirstChild() != null) {
            // Links, and anything else holding text: their text alone.
            text.append(inline(node));
        }
    }

    /** Text lines as roff reads them: none may start with a control character or a space (which would break). */
    private void lines(String text) {
        for (String line : text.split("\n")) {
            String stripped = line.stripLeading();
            if (stripped.equals(".br")) {
                macro(".br");
            } else if (!stripped.isEmpty()) {
                out.append(protectLineStart(stripped)).append('\n');
            }
        }
    }

    private void macro(String line) {
        out.append(line).append('\n');
    }

    /** roff's escape character written as itself. */
    static String escape(String text) {
        return text.replace("\\", "\\e");
    }

    /** A line starting with '.' or '\'' would be read as a request; {@code \&} before it makes it text. */
    private static String protectLineStart(String line) {
        return line.startsWith(".") || line.startsWith("'") ? "\\&" + line : line;
    }

    /** A macro argument, quoted; roff has no escape for a double quote inside one, so it becomes two single ones. */
    static String quoted(String argument) {
        return "\"" + argument.replace("\"", "''") + "\"";
    }
}
