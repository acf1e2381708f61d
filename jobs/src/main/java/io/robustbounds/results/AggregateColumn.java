package io.robustbounds.results;

import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One column of the aggregate's table: its name, what it is, its type and nullability, and how it is computed from a
 * group's {@link GroupStats}. {@link #ALL} is the table after the group keys; the table's schema ({@link #schema}), a
 * group's finished values ({@link GroupStats#finish}) and the table's CSV and Markdown headers derive from it, so a
 * column is added here (and, if it needs a new accumulator, in {@link GroupStats}) and nowhere else. ε statistics are
 * over samples where FGS succeeded; deviations, attack norms and tightness over samples where some attack succeeded;
 * "normalized" columns divide by the number of input elements (thesis Table 5.1).
 */
public record AggregateColumn(String name, String description, DataType type, boolean nullable, Function<GroupStats, Object> value) {

    private static AggregateColumn count(String name, String description, boolean nullable, Function<GroupStats, Long> v) {
        return new AggregateColumn(name, description, DataTypes.LongType, nullable, v::apply);
    }

    private static AggregateColumn real(String name, String description, Function<GroupStats, Double> v) {
        return new AggregateColumn(name, description, DataTypes.DoubleType, true, v::apply);
    }

    /** The table's columns after the keys, in order. */
    public static final List<AggregateColumn> ALL = List.of(
            count("n", "rows", false, g -> g.n),
            real("accuracy", "share of labelled rows with predicted = label", g -> g.labelled == 0 ? null : (double) g.correct / g.labelled),
            real("fgs_rate", "share of rows where FGS flipped the class", g -> (double) g.fgsSuccesses / g.n),
            real("eps_min", "min fgs_eps", g -> g.eps.min()),
            real("eps_max", "max fgs_eps", g -> g.eps.max()),
            real("eps_mean", "mean fgs_eps", g -> g.eps.mean()),
            real("eps_median", "median fgs_eps", g -> g.eps.median()),
            real("eps_std", "std fgs_eps", g -> g.eps.std()),
            real("eta_mean", "mean eta_norm", g -> g.eta.mean()),
            real("deviation_mean", "mean deviation", g -> g.deviation.mean()),
            real("deviation_median", "median deviation", g -> g.deviation.median()),
            real("deviation_std", "std deviation", g -> g.deviation.std()),
            real("deviation_min", "min deviation", g -> g.deviation.min()),
            real("deviation_max", "max deviation", g -> g.deviation.max()),
            real("bound_mean", "mean bound", g -> g.bound.mean()),
            real("bound_median", "median bound", g -> g.bound.median()),
            real("normalized_bound_mean", "mean bound / input_size", g -> g.normalizedBound.mean()),
            real("normalized_bound_median", "median bound / input_size", g -> g.normalizedBound.median()),
            real("normalized_eta_mean", "mean eta_norm / input_size", g -> g.normalizedEta.mean()),
            real("attack_rate", "share of rows where an attack succeeded", g -> (double) g.attacks / g.n),
            real("attack_norm_mean", "mean attack_norm", g -> g.attackNorm.mean()),
            real("attack_norm_median", "median attack_norm", g -> g.attackNorm.median()),
            real("tightness_mean", "mean tightness", g -> g.tightness.mean()),
            real("tightness_median", "median tightness", g -> g.tightness.median()),
            count("violations", "rows with violation", true, g -> g.violations));

    /** The table's schema: the group keys (nullable, of their types in the results), then {@code columns}. */
    public static StructType schema(List<String> keys, DataType[] keyTypes, List<AggregateColumn> columns) {
        StructType s = new StructType();
        for (int i = 0; i < keys.size(); i++) {
            s = s.add(keys.get(i), keyTypes[i], true);
        }
        for (AggregateColumn c : columns) {
            s = s.add(c.name(), c.type(), c.nullable());
        }
        return s;
    }
}
