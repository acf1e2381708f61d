package io.robustbounds.bench;

import io.robustbounds.attack.Adversarial;
import io.robustbounds.attack.BestOf;
import io.robustbounds.attack.Classes;
import io.robustbounds.attack.DeepFool;
import io.robustbounds.attack.Differentiable;
import io.robustbounds.attack.FastGradientSign;
import io.robustbounds.attack.L2Search;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.eval.Networks;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.Workspaces;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Per-sample cost of DeepFool and the L2 search against FGS on the {@code wide} MLP and the LeNet-5 shape
 * ({@code -Dbench=true}; FLOAT, default settings). "evaluator" is the paper-mode evaluation (bound + FGS);
 * "fgs" is FGS alone through the same adapter the attacks use (one backward pass, the binary search of
 * Algorithm 2.1 by forward passes at x + ε s).
 */
class AttackCostTest {

    /** FGS through a Differentiable: s = sign(∇ CE) (the cross-entropy direction up to a positive factor), then the search. */
    static Adversarial fgs(Differentiable net, double[] x, int n, double upper) {
        int d = net.inputSize();
        int k = net.classes();
        double[] signs;
        int[] predicted;
        try (MemoryWorkspace ignored = Workspaces.batch()) {
            Differentiable.Pass pass = net.forward(Arrays2.fromDoubles(pad(x, n, d, net.minRows()), net.dataType(), Math.max(n, net.minRows()), d));
            double[] logits = pass.logits();
            predicted = java.util.Arrays.copyOf(Classes.argmax(logits, k), n);
            double[] w = new double[logits.length];
            for (int i = 0; i < n; i++) {
                double runner = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    if (j != predicted[i]) {
                        runner = Math.max(runner, logits[i * k + j]);
                    }
                }
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    if (j != predicted[i]) {
                        w[i * k + j] = Math.exp(logits[i * k + j] - runner);
                        sum += w[i * k + j];
                    }
                }
                w[i * k + predicted[i]] = -sum;
            }
            signs = java.util.Arrays.copyOf(Arrays2.toDoubles(Transforms.sign(pass.backward(w), false)), n * d);
        }
        double[] nonZero = new double[n];
        for (int j = 0; j < n * d; j++) {
            nonZero[j / d] += Math.abs(signs[j]);
        }
        FastGradientSign.Result r = FastGradientSign.minimalEpsilon(eps -> {
            double[] p = new double[Math.max(n, net.minRows()) * d];
            for (int j = 0; j < n * d; j++) {
                p[j] = x[j] + eps[j / d] * signs[j];
            }
            double[] logits = net.forward(Arrays2.fromDoubles(p, net.dataType(), p.length / d, d)).logits();
            return java.util.Arrays.copyOf(logits, n * k);
        }, predicted, k, upper, 1e-6);
        return Adversarial.fromFgs(r, nonZero, predicted, d, signs);
    }

    private static double[] pad(double[] x, int n, int d, int rows) {
        return n >= rows ? x : java.util.Arrays.copyOf(x, rows * d);
    }

    private static double millis(Runnable r) {
        r.run(); // warm-up
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static void measure(String name, Model model, double[] x, int n, double upper) {
        EvalSettings settings = EvalSettings.defaults().withFgsUpper(upper);
        ModelEvaluator evaluator = ModelEvaluator.of(model, settings);
        Differentiable net = Networks.of(model, settings);
        Adversarial[] keep = new Adversarial[3];
        double ev = millis(() -> evaluator.evaluate(x, n));
        double f = millis(() -> keep[0] = fgs(net, x, n, upper));
        double df = millis(() -> keep[1] = DeepFool.run(net, x, n, DeepFool.Settings.defaults()));
        Adversarial start = BestOf.of(List.of(keep[0], keep[1]));
        double l2 = millis(() -> keep[2] = L2Search.run(net, x, n, start, null, L2Search.Settings.defaults()));
        Adversarial best = BestOf.of(List.of(keep[0], keep[1], keep[2]));
        for (L2Search.Settings cheaper : new L2Search.Settings[] {new L2Search.Settings(10, 10, 0.25), new L2Search.Settings(6, 10, 0.25)}) {
            Adversarial[] c = new Adversarial[1];
            double t = millis(() -> c[0] = L2Search.run(net, x, n, start, null, cheaper));
            Adversarial b = BestOf.of(List.of(keep[0], keep[1], c[0]));
            double m = 0;
            for (int i = 0; i < n; i++) {
                m += b.found(i) ? b.norm()[i] / n : 0;
            }
            System.out.printf("  L2 search %s: %.3f ms/sample, mean best norm %.4f%n", cheaper, t / n, m);
        }
        double[] mean = new double[4];
        int[] count = new int[4];
        Adversarial[] all = {keep[0], keep[1], keep[2], best};
        for (int a = 0; a < 4; a++) {
            for (int i = 0; i < n; i++) {
                if (all[a].found(i)) {
                    mean[a] += all[a].norm()[i];
                    count[a]++;
                }
            }
            mean[a] /= Math.max(1, count[a]);
        }
        double iters = 0;
        for (int i = 0; i < n; i++) {
            iters += keep[1].iterations()[i];
        }
        System.out.printf("%s, %d samples: ms/sample evaluator (bound + FGS) %.3f, FGS alone %.3f, DeepFool %.3f (mean %.2f iterations),"
                        + " L2 search %.3f%n  found: FGS %d, DeepFool %d, L2 improved %d; mean norm FGS %.4f, DeepFool %.4f, best %.4f%n",
                name, n, ev / n, f / n, df / n, iters / n, l2 / n, count[0], count[1], count[2], mean[0], mean[1], mean[3]);
    }

    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "true")
    void wideAndLenet() {
        RandomMlp spec = RandomMlp.of(784, 2, 256, Activation.RELU, 10, -1, 1, 0, 1);
        Model wide = HeScaling.apply(spec.model(7, 0));
        measure("wide 784-256-256-10 ReLU", wide, spec.samples(7, 0, 0, 250), 250, 1.0);
        SplittableRandom r = new SplittableRandom(7);
        int n = 125;
        double[] x = new double[n * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = 255 * r.nextDouble();
        }
        measure("lenet shape", Workloads.lenetModel(7), x, n, 100);
    }
}
