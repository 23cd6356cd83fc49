package org.mofa4j.optim;

import java.util.Locale;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Plain-text layout of a worked example: numbered steps, short explanations, labelled matrices with their shapes,
 * and checks that state what was compared and how far apart the two sides are.
 */
final class WorkedExampleText {
    private final StringBuilder sb = new StringBuilder();
    private int step;

    WorkedExampleText title(String title) {
        sb.append(title).append('\n').append("=".repeat(title.length())).append("\n\n");
        return this;
    }

    /** "Step k. heading" followed by a blank line. */
    WorkedExampleText step(String heading) {
        step++;
        String h = "Step " + step + ". " + heading;
        sb.append(h).append('\n').append("-".repeat(h.length())).append('\n');
        return this;
    }

    /** A paragraph, wrapped at 100 columns. */
    WorkedExampleText para(String text) {
        int col = 0;
        for (String word : text.split(" ")) {
            if (col > 0 && col + 1 + word.length() > 100) {
                sb.append('\n');
                col = 0;
            } else if (col > 0) {
                sb.append(' ');
                col++;
            }
            sb.append(word);
            col += word.length();
        }
        sb.append("\n\n");
        return this;
    }

    /** "label  [rows×cols]" and the rows, 4 decimals. */
    WorkedExampleText matrix(String label, DMatrixRMaj x) {
        sb.append("  ").append(label).append("   [").append(x.numRows).append('×').append(x.numCols).append("]\n");
        for (int i = 0; i < x.numRows; i++) {
            sb.append("    [");
            for (int j = 0; j < x.numCols; j++) {
                sb.append(String.format(Locale.ROOT, " %9.4f", x.get(i, j)));
            }
            sb.append(" ]\n");
        }
        sb.append('\n');
        return this;
    }

    WorkedExampleText vector(String label, double[] v) {
        sb.append("  ").append(label).append(" = (");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", v[i]));
        }
        sb.append(")\n\n");
        return this;
    }

    WorkedExampleText value(String label, double v) {
        sb.append("  ").append(label).append(" = ").append(String.format(Locale.ROOT, "%.6g", v)).append("\n");
        return this;
    }

    /** "check: what ... max |difference| = d (ok below tol)". */
    WorkedExampleText check(String what, double maxAbsDiff, double tol) {
        sb.append(String.format(Locale.ROOT, "  check: %s%n         max |difference| = %.2e  %s%n", what, maxAbsDiff,
                maxAbsDiff <= tol ? "(agrees to float64 rounding)" : "(MISMATCH: above " + tol + ")"));
        return this;
    }

    WorkedExampleText blank() {
        sb.append('\n');
        return this;
    }

    @Override
    public String toString() {
        return sb.toString();
    }

    /** max |a − b| over all elements. */
    static double maxAbsDiff(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj d = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.subtract(a, b, d);
        return CommonOps_DDRM.elementMaxAbs(d);
    }

    static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
