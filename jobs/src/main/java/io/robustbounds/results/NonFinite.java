package io.robustbounds.results;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.eval.SampleResults;

/**
 * The check that keeps NaN and ±∞ out of every statistic: a sample whose bound (in any mode), κ chain, δ, ‖J‖ or
 * attack results are not finite numbers has no result. {@code evaluate} rejects it with {@link Problem#reason},
 * sweeps and {@code random-mlp} count it apart; it never counts as a sample without a violation.
 *
 * <p>Legitimately absent values are not problems: the attack columns of a sample no attack flipped (NaN attack norm
 * and no FGS ε, by {@link SampleResults}' convention), and δ = bound = +∞ when no decision boundary can be crossed
 * (runner-up −1: every other class has the predicted class's head row). An overflowed forward pass cannot pass for
 * the latter: non-finite logits give δ = NaN ({@link io.robustbounds.bounds.PaperBounds#margin}).
 */
public final class NonFinite {
    private NonFinite() {
    }

    /** A result column that holds a non-finite value: its name, the bound mode (null for shared columns) and the value. */
    public record Problem(String column, BoundMode mode, double value) {

        /**
         * "non-finite bound in sound mode (NaN): the model's forward pass overflows in float; try evaluation.precision = double",
         * for the precision the sample was evaluated in.
         */
        public String reason(boolean doublePrecision) {
            return "non-finite " + column + (mode == null ? "" : " in " + mode.id() + " mode") + " (" + value + "): "
                    + (doublePrecision ? "the model's forward pass overflows even in double precision"
                    : "the model's forward pass overflows in float; try evaluation.precision = double");
        }
    }

    /** The first non-finite result of sample {@code i}, or null when all are numbers (or legitimately absent). */
    public static Problem of(SampleResults s, int i) {
        boolean noBoundary = s.runnerUp()[i] < 0; // δ = +∞ is the exact answer there, not an overflow
        for (SampleResults.ModeBounds mb : s.modes()) {
            if (bad(mb.bound()[i], noBoundary)) {
                return new Problem("bound", mb.mode(), mb.bound()[i]);
            }
            for (int k = i * mb.kappaCount(); k < (i + 1) * mb.kappaCount(); k++) {
                if (bad(mb.kappas()[k], noBoundary)) {
                    return new Problem("kappas", mb.mode(), mb.kappas()[k]);
                }
            }
        }
        if (bad(s.delta()[i], noBoundary)) {
            return new Problem("delta", null, s.delta()[i]);
        }
        if (bad(s.jacobianNorm()[i], noBoundary)) {
            return new Problem("jacobian_norm", null, s.jacobianNorm()[i]);
        }
        if (s.fgsSuccess()[i]) {
            if (!Double.isFinite(s.fgsEpsilon()[i])) {
                return new Problem("fgs_eps", null, s.fgsEpsilon()[i]);
            }
            if (!Double.isFinite(s.etaNorm()[i])) {
                return new Problem("eta_norm", null, s.etaNorm()[i]);
            }
        }
        double attack = s.attackNorm()[i];
        if (!Double.isNaN(attack) && !Double.isFinite(attack)) { // NaN: no attack succeeded
            return new Problem("attack_norm", null, attack);
        }
        return null;
    }

    private static boolean bad(double v, boolean noBoundary) {
        return !Double.isFinite(v) && !(noBoundary && v == Double.POSITIVE_INFINITY);
    }
}
