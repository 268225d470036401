package dev.patroxy.proxy;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** patroxy's command line, with HAProxy's letters where HAProxy has the same flag. */
@Command(name = "patroxy", separator = " ", sortOptions = false, usageHelpAutoWidth = true,
        synopsisSubcommandLabel = "[import-haproxy ...]",
        description = {
            "A TCP proxy for PostgreSQL clusters managed by Patroni, in HAProxy's place.",
            "",
            "  patroxy -f FILE       run the proxy; SIGHUP reads FILE again",
            "  patroxy -c -f FILE    check FILE and exit",
            "  patroxy import-haproxy [-o OUT] [--with-secrets] haproxy.cfg",
            "                        turn an HAProxy configuration into a patroxy one",
            ""},
        subcommands = ImportHaproxyCommand.class,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success: a valid file (-c), help, the version",
            "1:failed to start: a port that cannot be bound, a pid file that cannot be written",
            "2:bad configuration, named with its file, line and key",
            "64:usage: a command line that makes no sense",
            "143:stopped by SIGTERM (130: SIGINT), as any Java program; the pid file is removed"})
final class PatroxyCommand {
    @Option(names = {"-f", "--config"}, paramLabel = "FILE", description = "the configuration file (YAML)")
    Path config;

    @Option(names = {"-c", "--check"}, description = {
        "check the configuration and exit: 0 and a summary if it is valid, 2 and one line naming file, line and"
            + " key if not; with a dcs section, also warn of servers whose member names Patroni does not have"})
    boolean check;

    @Option(names = {"-p", "--pidfile"}, paramLabel = "PIDFILE", description = {
        "write the process id to PIDFILE once the listeners are bound; removed at a clean exit"})
    Path pidFile;

    @Option(names = {"-v", "--version"}, description = {
        "print the version, build commit, Java and Netty versions and exit; -vv also the Java runtime's details"
            + " and the socket engines this machine offers (epoll, io_uring, nio)"})
    boolean[] version = new boolean[0];

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "print this help and exit")
    boolean help;
}
