package dev.ksim.runtime.cli;

import java.io.PrintWriter;
import java.util.List;

/** Left-aligned plain-text tables for listings; the first row is the header. */
final class Tables {
    private Tables() {
    }

    static void print(PrintWriter out, List<List<String>> rows) {
        print(out, rows, "");
    }

    static void print(PrintWriter out, List<List<String>> rows, String indent) {
        int cols = rows.get(0).size();
        int[] w = new int[cols];
        for (List<String> r : rows) {
            for (int c = 0; c < cols; c++) {
                w[c] = Math.max(w[c], r.get(c).length());
            }
        }
        for (List<String> r : rows) {
            StringBuilder b = new StringBuilder(indent);
            for (int c = 0; c < cols; c++) {
                b.append(r.get(c));
                if (c < cols - 1) {
                    b.append(" ".repeat(w[c] - r.get(c).length() + 2));
                }
            }
            out.println(b.toString().stripTrailing());
        }
    }
}
