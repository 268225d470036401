package dev.patroxy.proxy.runtime;

import java.util.Comparator;
import java.util.List;

/**
 * The runtime API's keywords, and the usage it prints for {@code help} and for a command it does not know, laid out
 * as HAProxy's CLI lays out its own: the matching keywords sorted, then {@code help}, {@code prompt} and {@code quit}.
 */
final class CliHelp {
    /** A keyword's words and its usage line; listed in no particular order, printed sorted. */
    private record Keyword(List<String> words, String usage, String meaning) {
        String line() {
            return String.format("  %-40s: %s\n", usage, meaning);
        }
    }

    private static final List<Keyword> KEYWORDS = List.of(
            keyword("show info", "show info [typed|json]", "the process: version, uptime, limits, connections"),
            keyword("show stat", "show stat [<iid> <type> <sid>] [typed]",
                    "every listener and server, as the stats page's CSV (/;csv)"),
            keyword("show servers state", "show servers state [<backend>]",
                    "each server's state, in HAProxy's server-state format"),
            keyword("show backend", "show backend", "the listeners' names"),
            keyword("show sess", "show sess", "the client sessions open now"),
            keyword("show events", "show events", "the latest changes of the server each primary listener uses"),
            keyword("show cluster", "show cluster",
                    "the Patroni members: role, timeline, the DCS leader key and its health"),
            keyword("disable server", "disable server <bk>/<srv>", "put a server in maintenance (set server ... maint)"),
            keyword("enable server", "enable server <bk>/<srv>", "take a server out of maintenance (... ready)"),
            keyword("set server", "set server <bk>/<srv> state|weight <v>",
                    "state ready, drain or maint; or the server's weight"),
            keyword("set weight", "set weight <bk>/<srv> <weight>[%]", "change a server's weight"),
            keyword("get weight", "get weight <bk>/<srv>", "a server's weight, and the one configured"),
            keyword("shutdown session", "shutdown session <id>", "end the session with this id (show sess)"),
            keyword("shutdown sessions server", "shutdown sessions server <bk>/<srv>", "end every session of a server"),
            keyword("disable frontend", "disable frontend <frontend>",
                    "stop taking sessions; new clients are held as when there is no primary"),
            keyword("enable frontend", "enable frontend <frontend>", "take sessions again"),
            keyword("set maxconn server", "set maxconn server <bk>/<srv> <n>", "change a server's maxconn"),
            keyword("set maxconn frontend", "set maxconn frontend <frontend> <n>", "change a listener's maxconn"),
            keyword("set maxconn global", "set maxconn global <n>", "change the whole proxy's maxconn"),
            keyword("set timeout", "set timeout cli <delay>", "this connection's idle timeout, in seconds"));
    /** Always matched and always printed last, as HAProxy does. */
    private static final List<Keyword> SESSION_KEYWORDS = List.of(
            keyword("help", "help [<command>]", "list matching or all commands"),
            keyword("prompt", "prompt", "toggle interactive mode with prompt"),
            keyword("quit", "quit", "disconnect"));

    private static Keyword keyword(String words, String usage, String meaning) {
        return new Keyword(List.of(words.split(" ")), usage, meaning);
    }

    /** The keyword {@code words} start with, its words joined by a space; empty when none. */
    String keywordOf(List<String> words) {
        for (List<Keyword> keywords : List.of(SESSION_KEYWORDS, KEYWORDS)) {
            for (Keyword k : keywords) {
                if (words.size() >= k.words().size() && words.subList(0, k.words().size()).equals(k.words())) {
                    return String.join(" ", k.words());
                }
            }
        }
        return "";
    }

    /** {@code help [<command>]}: the keywords that match the most of {@code words}, or all of them. */
    String help(List<String> words) {
        return "The following commands are valid at this level:\n" + matching(words);
    }

    /** The answer to a command no keyword matches, HAProxy's wording. */
    String unknown(List<String> words) {
        return (words.isEmpty() ? "Unknown command. Please enter one of the following commands only:\n"
                : "Unknown command, but maybe one of the following ones is a better match:\n") + matching(words);
    }

    private static String matching(List<String> words) {
        int longest = KEYWORDS.stream().mapToInt(k -> matchedWords(k, words)).max().orElse(0);
        StringBuilder out = new StringBuilder();
        KEYWORDS.stream().filter(k -> matchedWords(k, words) == longest).sorted(Comparator.comparing(Keyword::usage))
                .forEach(k -> out.append(k.line()));
        SESSION_KEYWORDS.forEach(k -> out.append(k.line()));
        return out.toString();
    }

    private static int matchedWords(Keyword keyword, List<String> words) {
        int n = 0;
        while (n < keyword.words().size() && n < words.size() && keyword.words().get(n).equals(words.get(n))) {
            n++;
        }
        return n;
    }
}
