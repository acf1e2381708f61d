package io.robustbounds.data;

import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How a label (or class value) is written: an integer, another decimal number, or a name. A column's labels are
 * expected to be written one way; the way most of them are written wins, and a label written another way is a
 * malformed row, not a class of its own (so "2.0" among integers, or "7" among names, never becomes a class and
 * never shifts the indices of the others). Ties go to integers, then names.
 */
enum LabelSpelling {
    INTEGER("an integer"), DECIMAL("a decimal number"), NAME("a name");

    private static final Pattern INTEGER_TEXT = Pattern.compile("[+-]?\\d+");
    /** A plain decimal number: Double.parseDouble alone would also take "NaN", "1d" or hex floats. */
    private static final Pattern DECIMAL_TEXT = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private final String description;

    LabelSpelling(String description) {
        this.description = description;
    }

    static LabelSpelling of(String label) {
        return INTEGER_TEXT.matcher(label).matches() ? INTEGER : DECIMAL_TEXT.matcher(label).matches() ? DECIMAL : NAME;
    }

    /** The spelling of most of {@code labels} (none empty); INTEGER for none. */
    static LabelSpelling usual(Collection<String> labels) {
        Map<LabelSpelling, Long> count = new EnumMap<>(LabelSpelling.class);
        labels.forEach(l -> count.merge(of(l), 1L, Long::sum));
        LabelSpelling best = INTEGER;
        for (LabelSpelling s : new LabelSpelling[] {NAME, DECIMAL}) {
            if (count.getOrDefault(s, 0L) > count.getOrDefault(best, 0L)) {
                best = s;
            }
        }
        return best;
    }

    /**
     * Null when {@code label} is written the usual way, else the reason its row is rejected; {@code what} is
     * "label" or "class", {@code hint} says how to read the column otherwise.
     */
    String reject(String label, String what, String hint) {
        LabelSpelling own = of(label);
        if (own == this) {
            return null;
        }
        return what + " '" + label + "' is " + own.description + ", the other " + what + (what.endsWith("s") ? "es" : "s") + " are "
                + plural() + hint;
    }

    private String plural() {
        return switch (this) {
            case INTEGER -> "integers";
            case DECIMAL -> "decimal numbers";
            case NAME -> "names";
        };
    }
}
