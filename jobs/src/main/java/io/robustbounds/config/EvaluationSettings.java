package io.robustbounds.config;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.eval.EvalSettings;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The {@code evaluation} block (precision, bound modes, Lanczos and FGS settings, batch memory, attacks, the
 * certified search) read into the
 * evaluators' {@link EvalSettings}: one reader for every command that evaluates (evaluate, pipeline, random-mlp,
 * benchmark-suite); errors name the file, the key and the value.
 */
public final class EvaluationSettings {
    private EvaluationSettings() {
    }

    /** {@code evaluation.fgs-upper = auto}: U comes from the data's range (evaluate's FgsUpper); read gives 1 until then. */
    public static boolean fgsUpperAuto(ConfigReader s) {
        return "auto".equals(s.getString("evaluation.fgs-upper"));
    }

    /** The {@code evaluation.*} keys of {@code s}. */
    public static EvalSettings read(ConfigReader s) {
        String precision = s.getString("evaluation.precision");
        DataType type = switch (precision.toLowerCase(Locale.ROOT)) {
            case "float" -> DataType.FLOAT;
            case "double" -> DataType.DOUBLE;
            default -> throw s.invalid("evaluation.precision", "must be float or double");
        };
        List<BoundMode> modes;
        try {
            modes = BoundMode.parseList(s.getString("evaluation.mode"));
        } catch (IllegalArgumentException e) {
            throw s.invalid("evaluation.mode", "must be " + BoundMode.EXPECTED);
        }
        double upper = fgsUpperAuto(s) ? 1.0 : s.getDouble("evaluation.fgs-upper"); // auto: evaluate derives U from the data (FgsUpper)
        if (!(upper > 0 && Double.isFinite(upper))) {
            throw s.invalid("evaluation.fgs-upper", "must be positive");
        }
        long memory = batchMemory(s);
        List<String> attacks = attacks(s);
        EvalSettings.Certification certification = certification(s);
        return new EvalSettings(type, modes, s.getDouble("evaluation.jacobian-tolerance", 0, 1),
                s.getInt("evaluation.max-lanczos-steps", 1), upper, s.getDouble("evaluation.fgs-tolerance", 0, 1), memory, attacks,
                certification);
    }

    /** {@code evaluation.attacks}: names among {@link EvalSettings#ATTACKS}. */
    public static List<String> attacks(ConfigReader s) {
        List<String> attacks = s.getStringList("evaluation.attacks");
        for (String a : attacks) {
            if (!EvalSettings.ATTACKS.contains(a)) {
                throw s.invalid("evaluation.attacks", "must list attacks among " + EvalSettings.ATTACKS);
            }
        }
        return attacks;
    }

    /** {@code evaluation.batch-memory}: at least 1 MiB. */
    public static long batchMemory(ConfigReader s) {
        long memory = s.getBytes("evaluation.batch-memory");
        if (memory < (1L << 20)) {
            throw s.invalid("evaluation.batch-memory", "must be at least 1m");
        }
        return memory;
    }

    /** {@code evaluation.certified.*}: the certified mode's search (also a sweep file's). */
    public static EvalSettings.Certification certification(ConfigReader s) {
        double radius = s.getDouble("evaluation.certified.radius");
        if (!(radius >= 0 && Double.isFinite(radius))) {
            throw s.invalid("evaluation.certified.radius", "must be 0 (search the radius) or a positive radius to certify");
        }
        return new EvalSettings.Certification(s.getDouble("evaluation.certified.tolerance", 0, 1),
                s.getInt("evaluation.certified.max-steps", 1), radius, s.getInt("evaluation.certified.branching", 0));
    }
}
