package io.robustbounds.bench;

import io.robustbounds.eval.DenseStack;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.MlpEvaluator;
import io.robustbounds.eval.SampleResults;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The benchmark workloads of {@code shared/bench/numpy_peer.py}, run in process: the same shapes and
 * per-sample work (paper-mode bound + FGS minimal ε), timed from the first evaluation to the last
 * (model and sample generation excluded, as in the peer).
 */
public final class Workloads {
    private Workloads() {
    }

    /** Runs a workload and returns its figures (samples, seconds, samples/s, mean bound, mean ε, rate). */
    public static Map<String, Object> run(String name, int batchModels, int repeats) {
        return switch (name) {
            case "sweep" -> sweep(batchModels, repeats);
            case "wide" -> wide(batchModels, repeats);
            default -> throw new IllegalArgumentException("unknown workload '" + name + "', expected sweep | wide");
        };
    }

    /** 1000 random MLPs × 100 samples, d = 20, 3×10 tanh, 5 classes, parameters and samples in [−1, 1], U = 2. */
    static Map<String, Object> sweep(int batchModels, int repeats) {
        RandomMlp spec = RandomMlp.of(20, 3, 10, Activation.TANH, 5, -1, 1, -1, 1);
        int models = 1000;
        int perModel = 100;
        EvalSettings settings = EvalSettings.defaults().withFgsUpper(2.0);
        MlpEvaluator evaluator = new MlpEvaluator(settings);
        List<DenseStack> stacks = new ArrayList<>();
        List<double[]> samples = new ArrayList<>();
        for (int first = 0; first < models; first += batchModels) {
            RandomMlp.Chunk chunk = spec.chunk(7, first, Math.min(batchModels, models - first), perModel);
            stacks.add(DenseStack.of(chunk.models(), settings.dataType()));
            samples.add(chunk.samples());
        }
        return timed("sweep", repeats, () -> {
            List<SampleResults> out = new ArrayList<>();
            for (int b = 0; b < stacks.size(); b++) {
                out.add(evaluator.evaluate(stacks.get(b), samples.get(b), perModel));
            }
            return out;
        });
    }

    /** One 784-256-256-10 ReLU MLP (He-scaled uniform weights), 2000 samples in [0, 1]^784 in batches of 250, U = 1. */
    static Map<String, Object> wide(int batchSize, int repeats) {
        RandomMlp spec = RandomMlp.of(784, 2, 256, Activation.RELU, 10, -1, 1, 0, 1);
        Model raw = spec.model(7, 0);
        Model model = HeScaling.apply(raw);
        EvalSettings settings = EvalSettings.defaults().withFgsUpper(1.0);
        MlpEvaluator evaluator = new MlpEvaluator(settings);
        DenseStack net = DenseStack.of(model, settings.dataType());
        List<double[]> batches = new ArrayList<>();
        for (int first = 0; first < 2000; first += batchSize) {
            batches.add(spec.samples(7, 0, first, Math.min(batchSize, 2000 - first)));
        }
        return timed("wide", repeats, () -> {
            List<SampleResults> out = new ArrayList<>();
            for (double[] x : batches) {
                out.add(evaluator.evaluate(net, x, x.length / 784));
            }
            return out;
        });
    }

    /**
     * One model file's own throughput in process: {@code samples} seeded uniform samples in its input range,
     * evaluated in batches of {@code batchSize} (the figure the Spark jobs' overhead is measured against).
     */
    public static Map<String, Object> model(Model model, long samples, int batchSize, double fgsUpper, int repeats) {
        int d = (int) model.input().size();
        EvalSettings settings = EvalSettings.defaults().withFgsUpper(fgsUpper);
        MlpEvaluator evaluator = new MlpEvaluator(settings);
        DenseStack net = DenseStack.of(model, settings.dataType());
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        List<double[]> batches = new ArrayList<>();
        for (long first = 0; first < samples; first += batchSize) {
            double[] x = new double[(int) Math.min(batchSize, samples - first) * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = model.input().low() + (model.input().high() - model.input().low()) * r.nextDouble();
            }
            batches.add(x);
        }
        return timed("model:" + model.name(), repeats, () -> {
            List<SampleResults> out = new ArrayList<>();
            for (double[] x : batches) {
                out.add(evaluator.evaluate(net, x, x.length / d));
            }
            return out;
        });
    }

    private static Map<String, Object> timed(String name, int repeats, java.util.function.Supplier<List<SampleResults>> work) {
        work.get(); // warm-up: JIT and workspace sizing
        double best = Double.POSITIVE_INFINITY;
        List<SampleResults> results = null;
        for (int r = 0; r < Math.max(1, repeats); r++) {
            long t0 = System.nanoTime();
            results = work.get();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        long n = 0;
        double boundSum = 0;
        double epsSum = 0;
        long ok = 0;
        long violations = 0;
        for (SampleResults s : results) {
            for (int i = 0; i < s.size(); i++) {
                n++;
                boundSum += s.bound()[i];
                if (s.fgsSuccess()[i]) {
                    ok++;
                    epsSum += s.fgsEpsilon()[i];
                }
            }
            violations += s.violations();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("workload", name);
        out.put("samples", n);
        out.put("seconds", best);
        out.put("samples_per_s", n / best);
        out.put("mean_bound", boundSum / n);
        out.put("mean_eps", ok == 0 ? null : epsSum / ok);
        out.put("rate", (double) ok / n);
        out.put("violations", violations);
        return out;
    }

    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "sweep";
        int batchModels = args.length > 1 ? Integer.parseInt(args[1]) : 250;
        System.out.println(run(name, batchModels, 2));
    }
}
