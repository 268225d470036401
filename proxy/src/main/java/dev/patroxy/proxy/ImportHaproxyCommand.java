package dev.patroxy.proxy;

import dev.patroxy.config.haproxy.HaproxyImportException;
import dev.patroxy.config.haproxy.HaproxyImporter;
import dev.patroxy.config.haproxy.ImportNote;
import dev.patroxy.config.haproxy.ImportResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code patroxy import-haproxy [-o OUT] [--with-secrets] haproxy.cfg}: an HAProxy configuration turned into
 * patroxy's.
 */
@Command(name = "import-haproxy", separator = " ", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Turn a Patroni-style HAProxy configuration into a patroxy one that passes patroxy -c and routes as"
                + " HAProxy did. Each line that does not carry over, or carries over with a difference, is listed"
                + " on standard error with its line number, and in the header of the file written.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:written (notes or none)",
            "1:OUT cannot be written",
            "2:haproxy.cfg cannot be imported, named with its line",
            "64:usage: a command line that makes no sense"})
final class ImportHaproxyCommand {
    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = {
        "write the YAML to OUT, replacing it whole (keeping its owner, group and permissions); standard output"
            + " without"})
    Path output;

    @Option(names = "--with-secrets", description = {
        "write the stats auth passwords into the YAML; without it each user gets a password-file beside OUT, to be"
            + " created by hand, and no password is written anywhere; OUT is then not readable by other users"})
    boolean withSecrets;

    @Parameters(index = "0", paramLabel = "haproxy.cfg", description = "the HAProxy configuration to import")
    Path source;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "print this help and exit")
    boolean help;

    int run(PrintStream out, PrintStream err) {
        ImportResult result;
        try {
            result = HaproxyImporter.importFile(source, output != null ? output : Path.of("patroxy.yml"),
                    withSecrets);
        } catch (HaproxyImportException e) {
            print(e.notes(), err);
            err.println("patroxy: " + e.getMessage());
            return Main.BAD_CONFIG;
        }
        print(result.notes(), err);
        if (output == null) {
            out.print(result.yaml());
            out.flush();
        } else {
            try {
                WholeFile.write(output, result.yaml(), withSecrets);
            } catch (IOException | RuntimeException e) {
                err.println("patroxy: cannot write " + output + ": " + e);
                return Main.FAILED;
            }
        }
        int notes = result.notes().size();
        List<String> toCreate = result.passwordFiles();
        err.println("patroxy: " + (output != null ? "wrote " + output : "imported") + ": "
                + result.config().listeners().size() + " listeners, " + result.config().servers().size()
                + " servers, valid for patroxy -c" + (toCreate.isEmpty() ? "" : " once " + String.join(", ", toCreate)
                        + (toCreate.size() == 1 ? " exists" : " exist") + " beside it") + "; "
                + (notes == 0 ? "everything carried over" : notes == 1 ? "1 note above" : notes + " notes above"));
        return 0;
    }

    private void print(List<ImportNote> notes, PrintStream err) {
        for (ImportNote note : notes) {
            err.println("patroxy: " + note.format(source));
        }
    }
}
