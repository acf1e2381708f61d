package io.robustbounds.report;

import java.util.Locale;

/** Number and label formatting shared by the figures and the HTML. */
final class Format {
    private Format() {
    }

    /** Four significant digits, plain or scientific as is shorter to read; "–" for null or NaN. */
    static String number(Double v) {
        if (v == null || v.isNaN()) {
            return "–";
        }
        if (v == 0 || (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6)) {
            String s = String.format(Locale.ROOT, "%.4g", v);
            return s.contains("e") ? s : s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }

    static String percent(Double v) {
        return v == null || v.isNaN() ? "–" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    /** A bound mode as every figure and table names it: paper-mode bounds are never presented as guarantees. */
    static String mode(String mode) {
        return "paper".equals(mode) ? "paper (not a guarantee)" : mode;
    }

    static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
