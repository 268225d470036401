package dev.patroxy.proxy.runtime;

import dev.patroxy.config.AdminLevel;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.proxy.admin.AdminActions;
import dev.patroxy.stats.CsvStats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runtime API's commands, HAProxy 2.6's where the concept is the same: one command's words in, its answer out.
 * Reading commands render what {@link RuntimeView} shows; acting ones are checked here (names, arguments) and handed
 * to {@link AdminActions}, whose answer is HAProxy's text for the outcome. Without AdminActions they change nothing
 * and say so.
 */
public final class RuntimeCommands {
    static final String NO_ACTIONS = "Permission denied: this patroxy has no admin actions; nothing was changed.\n";
    static final String NO_SESSIONS = "Sessions cannot be listed: this patroxy has no admin actions.\n";
    /** HAProxy's answer to a command above the connection's level. */
    static final String PERMISSION_DENIED = "Permission denied\n";
    /** The commands a {@code user} connection may not run: listing sessions, and every change. */
    private static final Map<String, AdminLevel> LEVEL_NEEDED = Map.ofEntries(
            Map.entry("show sess", AdminLevel.OPERATOR),
            Map.entry("disable server", AdminLevel.ADMIN), Map.entry("enable server", AdminLevel.ADMIN),
            Map.entry("set server", AdminLevel.ADMIN), Map.entry("set weight", AdminLevel.ADMIN),
            Map.entry("shutdown session", AdminLevel.ADMIN), Map.entry("shutdown sessions server", AdminLevel.ADMIN),
            Map.entry("disable frontend", AdminLevel.ADMIN), Map.entry("enable frontend", AdminLevel.ADMIN),
            Map.entry("set maxconn server", AdminLevel.ADMIN), Map.entry("set maxconn frontend", AdminLevel.ADMIN),
            Map.entry("set maxconn global", AdminLevel.ADMIN));
    private static final Set<String> SERVER_STATES = Set.of("ready", "drain", "maint");
    /** HAProxy's {@code parse_time_err} in a unit of seconds: a number, optionally with its own unit. */
    private static final Pattern TIMEOUT = Pattern.compile("(\\d{1,12})(us|ms|s|m|h|d)?");
    /** HAProxy's longest timer, 2^31-1 ms. */
    private static final Duration LONGEST_TIMEOUT = Duration.ofMillis(Integer.MAX_VALUE);
    private static final Pattern WHOLE_NUMBER = Pattern.compile("\\d{1,10}");

    private final RuntimeView view;
    private final Optional<AdminActions> actions;
    private final CliHelp help;
    private final CsvStats csv = new CsvStats();

    /** What one command answered, and whether the connection ends with it ({@code quit}). */
    record Answer(String text, boolean quit) {
        static Answer of(String text) {
            return new Answer(text, false);
        }
    }

    public RuntimeCommands(RuntimeView view, Optional<AdminActions> actions) {
        this.view = view;
        this.actions = actions;
        this.help = new CliHelp();
    }

    /** Runs one command, its words as {@link CommandWords} cut them, if the connection's level allows it. */
    Answer run(List<String> words, CliSession session) {
        String keyword = help.keywordOf(words);
        if (!session.level().allows(LEVEL_NEEDED.getOrDefault(keyword, AdminLevel.USER))) {
            return Answer.of(PERMISSION_DENIED);
        }
        return switch (keyword) {
            case "quit" -> new Answer("", true);
            case "prompt" -> {
                session.toggleInteractive();
                yield Answer.of("");
            }
            case "help" -> Answer.of(help.help(words.subList(1, words.size())));
            case "set timeout" -> Answer.of(setTimeout(words, session));
            case "show info" -> Answer.of(ShowInfo.render(view.snapshot(), view.process(), format(words, 2)));
            case "show stat" -> Answer.of(showStat(words));
            case "show servers state" -> Answer.of(ShowServersState.render(view.snapshot(), view.config(),
                    words.size() > 3 ? words.get(3) : null));
            case "show backend" -> Answer.of(showBackend());
            case "show sess" -> Answer.of(actions.map(a -> ShowSessions.render(a.sessions()))
                    .orElse(NO_SESSIONS));
            case "show events" -> Answer.of(ShowEvents.render(view.snapshot()));
            case "show cluster" -> Answer.of(ShowCluster.render(view.snapshot(), view.config(), view.members()));
            case "disable server" -> Answer.of(act(a -> onServer(words, 2, (b, s) -> a.setServerState(b, s, "maint"))));
            case "enable server" -> Answer.of(act(a -> onServer(words, 2, (b, s) -> a.setServerState(b, s, "ready"))));
            case "set server" -> Answer.of(act(a -> setServer(a, words)));
            case "set weight" -> Answer.of(act(a -> onServer(words, 2, (b, s) -> weight(a, b, s, arg(words, 3)))));
            case "get weight" -> Answer.of(act(a -> onServer(words, 2, a::getWeight)));
            case "shutdown session" -> Answer.of(act(a -> words.size() < 3
                    ? "Session pointer expected (use 'show sess').\n" : a.shutdownSession(words.get(2))));
            case "shutdown sessions server" -> Answer.of(act(a -> onServer(words, 3, a::shutdownSessions)));
            case "disable frontend" -> Answer.of(act(a -> onFrontend(words, 2, a::disableFrontend)));
            case "enable frontend" -> Answer.of(act(a -> onFrontend(words, 2, a::enableFrontend)));
            case "set maxconn server" -> Answer.of(act(a -> onServer(words, 3,
                    (b, s) -> maxconn(arg(words, 4), v -> a.setMaxconn("server", b + "/" + s, v)))));
            case "set maxconn frontend" -> Answer.of(act(a -> onFrontend(words, 3,
                    f -> maxconn(arg(words, 4), v -> a.setMaxconn("frontend", f, v)))));
            case "set maxconn global" -> Answer.of(act(a -> words.size() < 4 ? "Expects an integer value.\n"
                    : maxconn(words.get(3), v -> a.setMaxconn("global", null, v))));
            default -> Answer.of(help.unknown(words));
        };
    }

    /** {@code typed} or {@code json} at {@code at}, else the plain format. */
    private static String format(List<String> words, int at) {
        return words.size() > at ? words.get(at) : "";
    }

    private static String arg(List<String> words, int at) {
        return words.size() > at ? words.get(at) : "";
    }

    private String setTimeout(List<String> words, CliSession session) {
        if (!arg(words, 2).equals("cli")) {
            return "'set timeout' only supports 'cli'.\n";
        }
        if (arg(words, 3).isEmpty()) {
            return "Expects an integer value.\n";
        }
        Matcher m = TIMEOUT.matcher(words.get(3));
        if (!m.matches()) {
            return "Invalid timeout value.\n";
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration timeout = switch (unit) {
            case "us" -> Duration.ofNanos(amount * 1000);
            case "ms" -> Duration.ofMillis(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> Duration.ofSeconds(amount);
        };
        // HAProxy counts this timeout in whole seconds: less than one is refused, not rounded up.
        if (timeout.toSeconds() < 1 || timeout.compareTo(LONGEST_TIMEOUT) > 0) {
            return "Invalid timeout value.\n";
        }
        session.timeout(Duration.ofSeconds(timeout.toSeconds()));
        return "";
    }

    /** {@code show stat [<iid> <type> <sid>] [typed]}: {@code /;csv}'s CSV, or one field a line. */
    private String showStat(List<String> words) {
        List<String> args = words.subList(2, words.size());
        boolean typed = !args.isEmpty() && args.get(args.size() - 1).equals("typed");
        List<String> ids = typed ? args.subList(0, args.size() - 1) : args;
        CsvStats.Selection selection = CsvStats.Selection.ALL;
        if (!ids.isEmpty()) {
            if (ids.size() != 3) {
                return "Usage: show stat [<iid> <type> <sid>] [typed]\n";
            }
            try {
                selection = new CsvStats.Selection(Integer.parseInt(ids.get(0)), Integer.parseInt(ids.get(1)),
                        Integer.parseInt(ids.get(2)));
            } catch (NumberFormatException e) {
                return "Usage: show stat [<iid> <type> <sid>] [typed]\n";
            }
        }
        return typed ? csv.renderTyped(view.snapshot(), selection) : csv.render(view.snapshot(), selection);
    }

    private String showBackend() {
        StringBuilder out = new StringBuilder("# name\n");
        view.config().listeners().forEach(l -> out.append(l.name()).append('\n'));
        return out.toString();
    }

    private String act(AdminCommand command) {
        return actions.map(a -> line(command.run(a))).orElse(NO_ACTIONS);
    }

    /** AdminActions answer a line with or without its newline; the CLI always ends it. */
    private static String line(String answer) {
        return answer == null || answer.isEmpty() || answer.endsWith("\n") ? nullToEmpty(answer) : answer + "\n";
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }

    private String setServer(AdminActions a, List<String> words) {
        return onServer(words, 2, (b, s) -> switch (arg(words, 3)) {
            case "state" -> SERVER_STATES.contains(arg(words, 4)) ? a.setServerState(b, s, words.get(4))
                    : "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n";
            case "weight" -> weight(a, b, s, arg(words, 4));
            default -> "'set server <srv>' only supports 'state' and 'weight' in patroxy.\n";
        });
    }

    private static String weight(AdminActions a, String backend, String server, String weight) {
        return weight.isEmpty() ? "Require <weight> or <weight%>.\n" : a.setWeight(backend, server, weight);
    }

    private static String maxconn(String value, ValueCommand command) {
        return WHOLE_NUMBER.matcher(value).matches() ? command.run(value) : "Integer value expected.\n";
    }

    /** The {@code backend/server} at {@code at}, checked against the configuration in force as HAProxy checks it. */
    private String onServer(List<String> words, int at, ServerCommand command) {
        String target = arg(words, at);
        int slash = target.indexOf('/');
        if (slash <= 0 || slash == target.length() - 1) {
            return "Require 'backend/server'.\n";
        }
        String backend = target.substring(0, slash);
        String server = target.substring(slash + 1);
        Optional<ListenerConfig> listener = listener(backend);
        if (listener.isEmpty()) {
            return "No such backend.\n";
        }
        if (listener.get().servers().stream().map(ServerConfig::name).noneMatch(server::equals)) {
            return "No such server.\n";
        }
        return command.run(backend, server);
    }

    private String onFrontend(List<String> words, int at, ValueCommand command) {
        String frontend = arg(words, at);
        if (frontend.isEmpty()) {
            return "A frontend name is expected.\n";
        }
        return listener(frontend).isEmpty() ? "No such frontend.\n" : command.run(frontend);
    }

    private Optional<ListenerConfig> listener(String name) {
        return view.config().listeners().stream().filter(l -> l.name().equals(name)).findFirst();
    }

    @FunctionalInterface
    private interface AdminCommand {
        String run(AdminActions actions);
    }

    @FunctionalInterface
    private interface ServerCommand {
        String run(String backend, String server);
    }

    @FunctionalInterface
    private interface ValueCommand {
        String run(String value);
    }
}
