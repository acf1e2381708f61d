package io.robustbounds.eval;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.certified.Certified;
import io.robustbounds.certified.CertifiedRadius;
import io.robustbounds.certified.LinearBoundNetwork;
import io.robustbounds.model.Model;
import java.util.Arrays;
import java.util.List;

/**
 * The certified bound mode (docs/certified-mode.md), run after the forward pass, the layer-wise modes and the attacks:
 * per sample the largest L2 radius a linear relaxation of the whole network proves ({@link CertifiedRadius}). The
 * search starts from what is already known: from below the sound mode's bound when it was computed (proven), from
 * above the smallest adversarial perturbation found (no radius can pass it). Where the relaxation's double forward
 * pass predicts another class than the evaluator's did, the evaluator's class is not provably the exact network's
 * (a float tie): the radius is 0, as in sound mode.
 *
 * <p>The mode's κ chain is [radius, δ at the head]; {@link SampleResults.ModeBounds#method()} names the relaxation
 * ({@link LinearBoundNetwork#description()}) and {@link SampleResults.ModeBounds#steps()} holds the propagations.
 */
public final class Certification {
    private final List<LinearBoundNetwork> networks;
    private final EvalSettings settings;

    private Certification(List<LinearBoundNetwork> networks, EvalSettings settings) {
        this.networks = networks;
        this.settings = settings;
    }

    /**
     * Set by a caller that shows progress (the evaluate job's tasks): told, on the calling thread, how many samples'
     * certified searches ended, while {@link #apply} runs (a LeNet-5 batch takes minutes). Null: nobody.
     */
    public static final ThreadLocal<java.util.function.IntConsumer> FINISHED = new ThreadLocal<>();

    /** For the models of a batch, in the order of their samples (one architecture: the batch's rows share a method). */
    public static Certification of(List<Model> models, EvalSettings settings) {
        int branching = settings.certification().branching();
        // radii of the model as the evaluator and the attacks compute it (settings' type), not only of the exact one
        return new Certification(models.stream().map(m -> Certified.of(m, branching, settings.dataType())).toList(), settings);
    }

    public static Certification of(Model model, EvalSettings settings) {
        return of(List.of(model), settings);
    }

    /**
     * {@code r} (the layer-wise modes and the attacks of the batch {@code samples}, [models · N · d]) with the certified
     * mode's bounds added, the modes in the order the settings list them.
     */
    public SampleResults apply(SampleResults r, double[] samples) {
        int perModel = r.samplesPerModel();
        int n = r.size();
        if (n != networks.size() * perModel) {
            throw new IllegalArgumentException(n + " results for " + networks.size() + " models of " + perModel + " samples");
        }
        EvalSettings.Certification c = settings.certification();
        CertifiedRadius.Settings search = new CertifiedRadius.Settings(c.tolerance(), c.maxSteps(),
                CertifiedRadius.Settings.defaults().initialRadius(), settings.batchMemory());
        double[] sound = r.modes().stream().filter(m -> m.mode() == BoundMode.SOUND).map(SampleResults.ModeBounds::bound)
                .findFirst().orElse(null);
        double[] bound = new double[n];
        int[] steps = new int[n];
        double[] kappas = new double[2 * n];
        double[] deviation = new double[n];
        boolean[] violation = new boolean[n];
        for (int k = 0; k < networks.size(); k++) {
            LinearBoundNetwork net = networks.get(k);
            int d = net.inputSize();
            int from = k * perModel;
            double[] x = Arrays.copyOfRange(samples, from * d, (from + perModel) * d);
            double[] lower = sound == null || c.fixedRadius() ? null : Arrays.copyOfRange(sound, from, from + perModel);
            double[] upper = Arrays.copyOfRange(r.attackNorm(), from, from + perModel);
            java.util.function.IntConsumer finished = FINISHED.get();
            CertifiedRadius.Result found = c.fixedRadius() ? atRadius(net, x, perModel, c.radius(), settings.batchMemory())
                    : CertifiedRadius.search(net, x, perModel, lower, upper, search, finished);
            if (finished != null && c.fixedRadius()) {
                finished.accept(perModel);
            }
            for (int i = 0; i < perModel; i++) {
                int s = from + i;
                bound[s] = found.predicted()[i] == r.predicted()[s] ? found.radius()[i] : 0;
                steps[s] = found.steps()[i];
                kappas[2 * s] = bound[s];
                kappas[2 * s + 1] = r.delta()[s];
                double norm = r.attackNorm()[s];
                deviation[s] = norm - bound[s];
                violation[s] = !Double.isNaN(norm) && bound[s] > norm;
            }
        }
        String method = networks.get(0).description();
        SampleResults.ModeBounds certified = new SampleResults.ModeBounds(BoundMode.CERTIFIED, bound, 2, kappas, deviation, violation,
                method, steps);
        return r.withModes(List.of(certified), settings.modes());
    }

    /** One propagation at radius ε per sample: the radius it proves (≤ ε; = ε exactly where the ball is certified). */
    private static CertifiedRadius.Result atRadius(LinearBoundNetwork net, double[] x, int n, double epsilon, long batchMemory) {
        int[] predicted = net.predict(x, n);
        double[] eps = new double[n];
        Arrays.fill(eps, epsilon);
        int[] steps = new int[n];
        Arrays.fill(steps, 1);
        return new CertifiedRadius.Result(predicted, net.certifiedWithin(x, n, predicted, eps, batchMemory), steps, eps);
    }
}
