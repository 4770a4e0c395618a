package dev.ksim.runtime.osgi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A minimal parser of OSGi manifest headers (clauses separated by commas, parameters by semicolons). */
final class OsgiHeaders {
    private OsgiHeaders() {
    }

    /** One clause: its paths (e.g. package names) and attributes ({@code a=v}); directives dropped. */
    record Clause(List<String> paths, Map<String, String> attributes) {
    }

    static List<Clause> parse(String header) {
        List<Clause> out = new ArrayList<>();
        if (header == null || header.isBlank()) {
            return out;
        }
        for (String clause : split(header, ',')) {
            List<String> paths = new ArrayList<>();
            Map<String, String> attrs = new LinkedHashMap<>();
            for (String part : split(clause, ';')) {
                String p = part.trim();
                if (p.isEmpty()) {
                    continue;
                }
                int dir = p.indexOf(":=");
                int eq = p.indexOf('=');
                if (dir >= 0 && dir < eq) {
                    continue; // directive
                }
                if (eq < 0) {
                    paths.add(p);
                } else {
                    String key = p.substring(0, eq).trim();
                    if (key.endsWith(":")) {
                        continue;
                    }
                    int colon = key.indexOf(':'); // typed attribute: version:Version=...
                    if (colon >= 0) {
                        key = key.substring(0, colon);
                    }
                    attrs.put(key, unquote(p.substring(eq + 1).trim()));
                }
            }
            if (!paths.isEmpty()) {
                out.add(new Clause(paths, attrs));
            }
        }
        return out;
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }

    private static List<String> split(String s, char sep) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == sep && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
