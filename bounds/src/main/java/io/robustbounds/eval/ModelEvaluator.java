package io.robustbounds.eval;

import io.robustbounds.attack.Adversarial;
import io.robustbounds.attack.BestOf;
import io.robustbounds.attack.DeepFool;
import io.robustbounds.attack.Differentiable;
import io.robustbounds.attack.L2Search;
import io.robustbounds.bounds.BoundMode;
import io.robustbounds.model.Model;
import java.util.ArrayList;
import java.util.List;

/**
 * Bound and attack results for the samples of one model, whatever its kind: the entry point of the jobs. A
 * batch is a Java array of n samples in C order (each sample's features row-major, C×H×W for images).
 */
public interface ModelEvaluator {

    /** Elements of one sample. */
    int inputSize();

    SampleResults evaluate(double[] samples, int n);

    /** Rows of the fixed blocks a batch is computed in ({@link Padding}): splitting a batch at multiples of it adds no padding. */
    int blockRows();

    /** The predicted class of each of n samples (forward pass only). */
    int[] predict(double[] samples, int n);

    /**
     * The evaluator for the model's kind: linear classifiers and MLPs (thesis ch. 3–4) or CNNs (ch. 5); with
     * {@link EvalSettings#strongAttacks()} the attacks beyond FGS run after it and the best perturbation is kept; the
     * certified mode, when asked for, runs last ({@link Certification}).
     */
    static ModelEvaluator of(Model model, EvalSettings settings) {
        ModelEvaluator base;
        Differentiable network; // the attacks' view of the same compiled network (built once)
        if (!model.isMlp() || model.input().shape().length != 1) {
            CnnEvaluator cnn = new CnnEvaluator(model, settings);
            base = cnn;
            network = settings.strongAttacks() ? new CnnNetwork(cnn) : null;
        } else {
            DenseStack net = DenseStack.of(model, settings.dataType());
            MlpEvaluator evaluator = new MlpEvaluator(settings);
            network = settings.strongAttacks() ? new MlpNetwork(net) : null;
            base = new ModelEvaluator() {
                @Override
                public int inputSize() {
                    return net.inputSize();
                }

                @Override
                public SampleResults evaluate(double[] samples, int n) {
                    return evaluator.evaluateSingle(net, samples, n);
                }

                @Override
                public int[] predict(double[] samples, int n) {
                    return evaluator.predictSingle(net, samples, n);
                }

                @Override
                public int blockRows() {
                    return Padding.mlpBlockRows(net);
                }
            };
        }
        ModelEvaluator attacked = network != null ? new WithAttacks(base, network, settings.attacks(), settings.fgsUpper()) : base;
        return settings.wants(BoundMode.CERTIFIED) ? new Certifying(attacked, Certification.of(model, settings)) : attacked;
    }

    /** The results of {@code base} (layer-wise modes and attacks) with the certified mode's radii added. */
    record Certifying(ModelEvaluator base, Certification certification) implements ModelEvaluator {
        @Override
        public int inputSize() {
            return base.inputSize();
        }

        @Override
        public int blockRows() {
            return base.blockRows();
        }

        @Override
        public SampleResults evaluate(double[] samples, int n) {
            return certification.apply(base.evaluate(samples, n), samples);
        }

        @Override
        public int[] predict(double[] samples, int n) {
            return base.predict(samples, n);
        }
    }

    /**
     * The bounds and FGS of {@code base}, then DeepFool and/or the minimal-norm L2 search; every mode's deviation
     * and violations are taken against the smallest verified perturbation (BOUNDS.md §3: FGS alone hides gaps).
     */
    final class WithAttacks implements ModelEvaluator {
        private final ModelEvaluator base;
        private final Differentiable net;
        private final List<String> attacks;
        private final double fgsUpper;

        WithAttacks(ModelEvaluator base, Differentiable net, List<String> attacks, double fgsUpper) {
            this.base = base;
            this.net = net;
            this.attacks = attacks;
            this.fgsUpper = fgsUpper;
        }

        @Override
        public int inputSize() {
            return base.inputSize();
        }

        @Override
        public int blockRows() {
            return base.blockRows();
        }

        @Override
        public int[] predict(double[] samples, int n) {
            return base.predict(samples, n);
        }

        @Override
        public SampleResults evaluate(double[] samples, int n) {
            SampleResults r = base.evaluate(samples, n);
            Adversarial best = best(r, 0, net, samples, n, attacks, fgsUpper);
            return r.withBestAttack(best.norm(), best.source(), best.adversarialClass());
        }

        /**
         * The smallest verified perturbation of samples from … from + n − 1 of {@code r} (their values in
         * {@code samples}, [n · d]): FGS's from r, then DeepFool and/or the L2 search on {@code net}.
         */
        static Adversarial best(SampleResults r, int from, Differentiable net, double[] samples, int n, List<String> attacks, double fgsUpper) {
            int d = net.inputSize();
            String[] fgsSource = new String[n];
            int[] fgsClass = new int[n];
            double[] fgsNorm = new double[n];
            int[] predicted = java.util.Arrays.copyOfRange(r.predicted(), from, from + n);
            for (int i = 0; i < n; i++) {
                boolean ok = r.fgsSuccess()[from + i];
                fgsNorm[i] = ok ? r.etaNorm()[from + i] : Double.NaN;
                fgsClass[i] = ok ? r.adversarialClass()[from + i] : -1;
                fgsSource[i] = ok ? "fgs" : null;
            }
            List<Adversarial> found = new ArrayList<>();
            found.add(new Adversarial("fgs", d, predicted, fgsNorm, fgsClass, null, fgsSource, new int[n]));
            if (attacks.contains("deepfool")) {
                found.add(agreeing(DeepFool.run(net, samples, n, DeepFool.Settings.defaults()), predicted));
            }
            if (attacks.contains("l2-search")) {
                // where nothing was found yet, the search first tries the radius of FGS's largest step, U·sqrt(d)
                double[] fallback = new double[n];
                java.util.Arrays.fill(fallback, fgsUpper * Math.sqrt(d));
                found.add(agreeing(L2Search.run(net, samples, n, BestOf.of(found), fallback, L2Search.Settings.defaults()), predicted));
            }
            return BestOf.of(found);
        }

        /**
         * {@code r}, the results of several MLPs' samples ([models · N · d], N = r's samples per model, as a sweep's
         * stack), with every mode's deviation and violations against the smallest perturbation of FGS and the
         * settings' other attacks, each model's samples attacked on that model.
         */
        public static SampleResults onModels(SampleResults r, List<Model> models, double[] samples, EvalSettings settings) {
            int perModel = r.samplesPerModel();
            int n = r.size();
            if (n != models.size() * perModel) {
                throw new IllegalArgumentException(n + " results for " + models.size() + " models of " + perModel + " samples");
            }
            double[] norm = new double[n];
            String[] source = new String[n];
            int[] cls = new int[n];
            for (int k = 0; k < models.size(); k++) {
                MlpNetwork net = new MlpNetwork(DenseStack.of(models.get(k), settings.dataType()));
                int d = net.inputSize();
                int from = k * perModel;
                Adversarial a = best(r, from, net, java.util.Arrays.copyOfRange(samples, from * d, (from + perModel) * d), perModel,
                        settings.attacks(), settings.fgsUpper());
                System.arraycopy(a.norm(), 0, norm, from, perModel);
                System.arraycopy(a.source(), 0, source, from, perModel);
                System.arraycopy(a.adversarialClass(), 0, cls, from, perModel);
            }
            return r.withBestAttack(norm, source, cls);
        }

        /**
         * The attack's results for the samples whose class it saw as the evaluator did (its forward passes are the
         * same computation, but a sample on a tie could differ): a perturbation only counts against the class the
         * bounds were computed for.
         */
        private static Adversarial agreeing(Adversarial a, int[] predicted) {
            double[] norm = a.norm().clone();
            int[] cls = a.adversarialClass().clone();
            String[] source = a.source().clone();
            double[] vectors = a.perturbation() == null ? null : a.perturbation().clone();
            int d = a.inputSize();
            for (int i = 0; i < norm.length; i++) {
                if (a.predicted()[i] != predicted[i]) {
                    norm[i] = Double.NaN;
                    cls[i] = -1;
                    source[i] = null;
                    if (vectors != null) {
                        java.util.Arrays.fill(vectors, i * d, (i + 1) * d, 0);
                    }
                }
            }
            return new Adversarial(a.attack(), d, predicted.clone(), norm, cls, vectors, source, a.iterations());
        }
    }
}
