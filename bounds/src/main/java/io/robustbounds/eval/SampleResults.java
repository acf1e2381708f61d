package io.robustbounds.eval;

import io.robustbounds.attack.FastGradientSign;
import io.robustbounds.bounds.BoundMode;
import io.robustbounds.linalg.Arrays2;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-sample results of one batch, column by column (index i is the i-th sample of the batch, models
 * first: sample i belongs to model i / samplesPerModel).
 *
 * <p>The attack side is shared: FGS (ε, success, ‖η‖, adversarial class; the thesis' columns) and the best
 * attack ({@code attackNorm}, the smallest verified adversarial perturbation over the attacks run, NaN where none
 * was found; {@code attack}, which one found it; {@code attackClass}); with FGS alone the best is FGS. The bound
 * side comes once per requested {@link BoundMode} ({@link #modes()}: paper and sound from the same forward
 * pass, certified after the attacks). Each mode's {@code kappas} hold the κ chain from the input to the output, {@code kappaCount} values per
 * sample: for an MLP [bound on the input, δ at the head]. {@code deviation} = best attack norm − bound; a
 * {@code violation} is a sample with an attack whose bound exceeds its norm (BOUNDS.md §2). The accessors {@link #mode()}, {@link #bound()},
 * {@link #kappas()}, … read the first mode.
 */
public record SampleResults(
        int samplesPerModel,
        int[] predicted,
        int[] runnerUp,
        double[] delta,
        double[] jacobianNorm,
        double[] secondDerivativeBound,
        double[] fgsEpsilon,
        boolean[] fgsSuccess,
        double[] etaNorm,
        int[] adversarialClass,
        double[] attackNorm,
        String[] attack,
        int[] attackClass,
        List<ModeBounds> modes,
        int lanczosSteps,
        int lanczosUnconverged) {

    /**
     * One mode's bound, κ chain, deviation and violations; {@code method} says how the bound was proven (the mode's id,
     * or for the certified mode the relaxation, e.g. {@code crown} or {@code crown+lipschitz(…)}), {@code steps} the
     * certified search's bound propagations per sample (null for the other modes).
     */
    public record ModeBounds(BoundMode mode, double[] bound, int kappaCount, double[] kappas, double[] deviation, boolean[] violation,
                             String method, int[] steps) {

        /** A layer-wise mode's bounds (method = the mode's id, no search steps). */
        public ModeBounds(BoundMode mode, double[] bound, int kappaCount, double[] kappas, double[] deviation, boolean[] violation) {
            this(mode, bound, kappaCount, kappas, deviation, violation, mode.id(), null);
        }

        /** The certified search's propagations of a sample, or −1 for the other modes. */
        public int stepsOf(int sample) {
            return steps == null ? -1 : steps[sample];
        }

        public double[] kappasOf(int sample) {
            double[] k = new double[kappaCount];
            System.arraycopy(kappas, sample * kappaCount, k, 0, kappaCount);
            return k;
        }

        public int violations() {
            int v = 0;
            for (boolean b : violation) {
                v += b ? 1 : 0;
            }
            return v;
        }

        ModeBounds pick(int[] idx) {
            double[] kap = new double[idx.length * kappaCount];
            for (int j = 0; j < idx.length; j++) {
                System.arraycopy(kappas, idx[j] * kappaCount, kap, j * kappaCount, kappaCount);
            }
            return new ModeBounds(mode, Arrays2.pick(bound, idx), kappaCount, kap, Arrays2.pick(deviation, idx),
                    Arrays2.pick(violation, idx), method, steps == null ? null : Arrays2.pick(steps, idx));
        }
    }

    public SampleResults {
        modes = List.copyOf(modes); // empty only between the evaluators and the certified mode (certified alone)
    }

    /**
     * ‖η‖ = ε·sqrt(#nonzero signs), and per mode the deviation ‖η‖ − bound and violations (BOUNDS.md §2); the bound
     * is each sample's first κ (the κ chain runs from the input to the head).
     */
    static SampleResults of(int perModel, MlpHead h, List<KappaChain> chains, FastGradientSign.Result fgs, double[] nonZero) {
        int count = h.delta().length;
        double[] eta = new double[count];
        for (int i = 0; i < count; i++) {
            eta[i] = fgs.epsilon()[i] * Math.sqrt(nonZero[i]);
        }
        List<SampleResults.ModeBounds> modes = new ArrayList<>();
        for (KappaChain c : chains) {
            double[] bound = c.inputBound();
            double[] deviation = new double[count];
            boolean[] violation = new boolean[count];
            for (int i = 0; i < count; i++) {
                deviation[i] = eta[i] - bound[i];
                violation[i] = fgs.success()[i] && bound[i] > eta[i];
            }
            modes.add(new SampleResults.ModeBounds(c.mode(), bound, c.kappaCount(), c.kappas(), deviation, violation));
        }
        double[] best = new double[count];
        String[] attack = new String[count];
        for (int i = 0; i < count; i++) {
            best[i] = fgs.success()[i] ? eta[i] : Double.NaN;
            attack[i] = fgs.success()[i] ? "fgs" : null;
        }
        return new SampleResults(perModel, h.predicted(), h.runnerUp(), h.delta(), h.jacobian(), h.m(), fgs.epsilon(), fgs.success(), eta,
                fgs.adversarialClass(), best, attack, fgs.adversarialClass().clone(), modes, h.lanczosSteps(), h.unconverged());
    }

    public int size() {
        return predicted.length;
    }

    public BoundMode mode() {
        return modes.get(0).mode();
    }

    public double[] bound() {
        return modes.get(0).bound();
    }

    public int kappaCount() {
        return modes.get(0).kappaCount();
    }

    public double[] kappas() {
        return modes.get(0).kappas();
    }

    public double[] deviation() {
        return modes.get(0).deviation();
    }

    public boolean[] violation() {
        return modes.get(0).violation();
    }

    public double[] kappasOf(int sample) {
        return modes.get(0).kappasOf(sample);
    }

    /** The given mode's bounds; throws if it was not computed. */
    public ModeBounds of(BoundMode mode) {
        return modes.stream().filter(m -> m.mode() == mode).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("mode " + mode.id() + " was not computed"));
    }

    /** Violations of the first mode. */
    public int violations() {
        return modes.get(0).violations();
    }

    /** The first {@code n} samples of every model (drops padding rows). */
    public SampleResults keepFirst(int n) {
        int models = size() / samplesPerModel;
        int[] idx = new int[models * n];
        for (int k = 0; k < models; k++) {
            for (int i = 0; i < n; i++) {
                idx[k * n + i] = k * samplesPerModel + i;
            }
        }
        return new SampleResults(n, Arrays2.pick(predicted, idx), Arrays2.pick(runnerUp, idx), Arrays2.pick(delta, idx), Arrays2.pick(jacobianNorm, idx),
                Arrays2.pick(secondDerivativeBound, idx), Arrays2.pick(fgsEpsilon, idx), Arrays2.pick(fgsSuccess, idx), Arrays2.pick(etaNorm, idx),
                Arrays2.pick(adversarialClass, idx), Arrays2.pick(attackNorm, idx), Arrays2.pick(attack, idx), Arrays2.pick(attackClass, idx),
                modes.stream().map(m -> m.pick(idx)).toList(), lanczosSteps, lanczosUnconverged);
    }

    /** The results of consecutive chunks of one model's batch, as one (single-model results only). */
    public static SampleResults concat(List<SampleResults> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        SampleResults first = parts.get(0);
        int n = parts.stream().mapToInt(SampleResults::size).sum();
        int steps = 0;
        int unconverged = 0;
        for (SampleResults r : parts) {
            if (r.samplesPerModel != r.size() || r.modes.size() != first.modes.size()) {
                throw new IllegalArgumentException("chunks hold several models or differ in their modes");
            }
            steps = Math.max(steps, r.lanczosSteps);
            unconverged += r.lanczosUnconverged;
        }
        List<ModeBounds> modes = new ArrayList<>();
        for (int m = 0; m < first.modes.size(); m++) {
            int mode = m;
            ModeBounds f = first.modes.get(m);
            modes.add(new ModeBounds(f.mode(), concatD(parts, r -> r.modes.get(mode).bound()), f.kappaCount(),
                    concatD(parts, r -> r.modes.get(mode).kappas()), concatD(parts, r -> r.modes.get(mode).deviation()),
                    concatZ(parts, r -> r.modes.get(mode).violation()), f.method(),
                    f.steps() == null ? null : concatI(parts, r -> r.modes.get(mode).steps())));
        }
        return new SampleResults(n, concatI(parts, SampleResults::predicted), concatI(parts, SampleResults::runnerUp),
                concatD(parts, SampleResults::delta), concatD(parts, SampleResults::jacobianNorm),
                concatD(parts, SampleResults::secondDerivativeBound), concatD(parts, SampleResults::fgsEpsilon),
                concatZ(parts, SampleResults::fgsSuccess), concatD(parts, SampleResults::etaNorm),
                concatI(parts, SampleResults::adversarialClass), concatD(parts, SampleResults::attackNorm),
                parts.stream().flatMap(p -> java.util.Arrays.stream(p.attack())).toArray(String[]::new),
                concatI(parts, SampleResults::attackClass), modes, steps, unconverged);
    }

    private static double[] concatD(List<SampleResults> parts, java.util.function.Function<SampleResults, double[]> f) {
        return parts.stream().map(f).flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    private static int[] concatI(List<SampleResults> parts, java.util.function.Function<SampleResults, int[]> f) {
        return parts.stream().map(f).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    private static boolean[] concatZ(List<SampleResults> parts, java.util.function.Function<SampleResults, boolean[]> f) {
        int n = parts.stream().mapToInt(p -> f.apply(p).length).sum();
        boolean[] out = new boolean[n];
        int at = 0;
        for (SampleResults p : parts) {
            boolean[] a = f.apply(p);
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
        }
        return out;
    }

    /**
     * These results with a (better) best attack: per sample the norm, the attack that found it and the class it
     * reached (NaN, null, −1 where none), and every mode's deviation and violations recomputed against it.
     */
    public SampleResults withBestAttack(double[] norm, String[] source, int[] cls) {
        List<ModeBounds> m = modes.stream().map(b -> {
            double[] deviation = new double[norm.length];
            boolean[] violation = new boolean[norm.length];
            for (int i = 0; i < norm.length; i++) {
                deviation[i] = norm[i] - b.bound()[i];
                violation[i] = !Double.isNaN(norm[i]) && b.bound()[i] > norm[i];
            }
            return new ModeBounds(b.mode(), b.bound(), b.kappaCount(), b.kappas(), deviation, violation, b.method(), b.steps());
        }).toList();
        return new SampleResults(samplesPerModel, predicted, runnerUp, delta, jacobianNorm, secondDerivativeBound, fgsEpsilon, fgsSuccess,
                etaNorm, adversarialClass, norm, source, cls, m, lanczosSteps, lanczosUnconverged);
    }

    /**
     * These results with the given modes' bounds in the order of {@code order} (a mode computed after the attacks,
     * the certified one, joins the others).
     */
    public SampleResults withModes(List<ModeBounds> added, List<BoundMode> order) {
        List<ModeBounds> all = new ArrayList<>(modes);
        all.addAll(added);
        all.sort(java.util.Comparator.comparingInt(m -> order.indexOf(m.mode())));
        return new SampleResults(samplesPerModel, predicted, runnerUp, delta, jacobianNorm, secondDerivativeBound, fgsEpsilon, fgsSuccess,
                etaNorm, adversarialClass, attackNorm, attack, attackClass, all, lanczosSteps, lanczosUnconverged);
    }

}
