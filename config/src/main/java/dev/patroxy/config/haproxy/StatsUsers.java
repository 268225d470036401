package dev.patroxy.config.haproxy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code stats auth user:password} lines as patroxy's {@code stats.auth} users. A password goes into the YAML only
 * when asked for ({@code withSecrets}); otherwise each user gets a {@code password-file} beside the YAML, which the
 * operator creates, so that the file can be read, diffed and kept in version control without a secret in it.
 */
final class StatsUsers {
    /** Enough of a user name to tell it by, far below the 255 bytes a file name may have. */
    private static final int MAX_NAME_IN_FILE = 64;

    /**
     * The users as written, the same users with their passwords (what the loader reads once the password files
     * exist, to check the import), and the password files to create, beside the YAML.
     */
    record Users(List<Map<String, Object>> written, List<Map<String, Object>> checked, List<String> passwordFiles) {
    }

    private StatsUsers() {
    }

    static Users of(List<Directive> authLines, boolean withSecrets, String openTo, Values values,
            Map<String, Integer> origins, List<ImportNote> notes) throws HaproxyImportException {
        List<Map<String, Object>> written = new ArrayList<>();
        List<Map<String, Object>> checked = new ArrayList<>();
        List<String> files = new ArrayList<>();
        Map<String, Integer> lineOfUser = new HashMap<>();
        for (Directive line : authLines) {
            String credentials = values.word(line, 2, "a user:password account");
            int colon = credentials.indexOf(':');
            String user = colon < 0 ? credentials : credentials.substring(0, colon);
            String password = colon < 0 ? "" : credentials.substring(colon + 1);
            String subject = "stats auth " + user + ":***";
            String refused = lineOfUser.containsKey(user) ? "user " + user + " is on line " + lineOfUser.get(user)
                    + " already (HAProxy ignores this line too)"
                    : !takenAsWritten(user) ? "patroxy takes no user name that is empty or begins or ends with a blank"
                    : !takenAsWritten(password) ? "patroxy takes no password that is empty or begins or ends with a"
                            + " blank; give this user another one in stats.auth"
                    : null;
            if (refused != null) {
                notes.add(new ImportNote(line.line(), subject, "not carried over: " + refused));
                continue;
            }
            lineOfUser.put(user, line.line());
            origins.put("stats.auth[" + written.size() + "]", line.line());
            Map<String, Object> withPassword = new LinkedHashMap<>();
            withPassword.put("username", Values.literal(user));
            withPassword.put("password", Values.literal(password));
            checked.add(withPassword);
            if (withSecrets) {
                written.add(withPassword);
                continue;
            }
            String file = passwordFile(user, files);
            files.add(file);
            Map<String, Object> withFile = new LinkedHashMap<>();
            withFile.put("username", Values.literal(user));
            withFile.put("password-file", file);
            written.add(withFile);
            notes.add(new ImportNote(line.line(), subject, "written as password-file " + file + ": create that file"
                    + " beside the patroxy file, holding this password (one line), readable by the patroxy user"
                    + " only; or import with --with-secrets to write the password itself"));
        }
        if (!authLines.isEmpty() && written.isEmpty()) {
            notes.add(new ImportNote(authLines.get(0).line(), "stats auth", "differs: no user carried over, so anyone"
                    + " who reaches " + openTo + " can read the stats page, where HAProxy"
                    + " asked for a login"));
        }
        return new Users(written, checked, files);
    }

    /** patroxy's loader trims a value and refuses a blank one. */
    private static boolean takenAsWritten(String value) {
        return !value.isBlank() && value.equals(value.strip()) && value.equals(value.trim());
    }

    /** {@code stats-USER.password}, the user name in the characters a file name can always hold, once each. */
    private static String passwordFile(String user, List<String> taken) {
        String safe = user.replaceAll("[^A-Za-z0-9_.-]", "_");
        String base = "stats-" + safe.substring(0, Math.min(safe.length(), MAX_NAME_IN_FILE));
        String file = base + ".password";
        for (int n = 2; taken.contains(file); n++) {
            file = base + "-" + n + ".password";
        }
        return file;
    }
}
