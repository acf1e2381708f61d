package io.robustbounds.bench;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.Pool2d;
import io.robustbounds.eval.DenseStack;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.MlpEvaluator;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.eval.ParallelEvaluator;
import io.robustbounds.eval.SampleResults;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The benchmark workloads of {@code shared/bench/numpy_peer.py}, run in process: the same shapes and
 * per-sample work (paper-mode bound + FGS minimal ε), timed from the first evaluation to the last
 * (model and sample generation excluded, as in the peer).
 */
public final class Workloads {
    private Workloads() {
    }

    /** The settings every workload starts from (paper mode unless {@link #run(String, int, int, List)} asks otherwise). */
    private static EvalSettings base = EvalSettings.defaults();

    /** Runs a workload on one thread and returns its figures (samples, seconds, samples/s, mean bound, mean ε, rate). */
    public static Map<String, Object> run(String name, int batchModels, int repeats) {
        return run(name, batchModels, repeats, List.of(BoundMode.PAPER), 1);
    }

    /**
     * As {@link #run(String, int, int)}, with the bounds of the given modes (paper, sound or both), on {@code workers}
     * threads: a sweep's stacks side by side, one model's batch split into parts ({@link ParallelEvaluator}).
     */
    public static Map<String, Object> run(String name, int batchModels, int repeats, List<BoundMode> modes, int workers) {
        base = EvalSettings.defaults().withModes(modes);
        return switch (name) {
            case "sweep" -> sweep(batchModels, repeats, workers);
            case "wide" -> wide(batchModels, repeats, workers);
            case "lenet" -> lenet(batchModels, repeats, workers);
            default -> throw new IllegalArgumentException("unknown workload '" + name + "', expected sweep | wide | lenet");
        };
    }

    /** 1000 random MLPs × 100 samples, d = 20, 3×10 tanh, 5 classes, parameters and samples in [−1, 1], U = 2. */
    static Map<String, Object> sweep(int batchModels, int repeats, int workers) {
        RandomMlp spec = RandomMlp.of(20, 3, 10, Activation.TANH, 5, -1, 1, -1, 1);
        int models = 1000;
        int perModel = 100;
        EvalSettings settings = base.withFgsUpper(2.0);
        MlpEvaluator evaluator = new MlpEvaluator(settings);
        List<DenseStack> stacks = new ArrayList<>();
        List<double[]> samples = new ArrayList<>();
        for (int first = 0; first < models; first += batchModels) {
            RandomMlp.Chunk chunk = spec.chunk(7, first, Math.min(batchModels, models - first), perModel);
            stacks.add(DenseStack.of(chunk.models(), settings.dataType()));
            samples.add(chunk.samples());
        }
        java.util.concurrent.ExecutorService pool = io.robustbounds.linalg.Threads.daemonPool(workers, "sweep-worker");
        try {
            return timed("sweep", repeats, () -> {
                List<java.util.concurrent.Callable<SampleResults>> work = new ArrayList<>();
                for (int b = 0; b < stacks.size(); b++) {
                    DenseStack stack = stacks.get(b);
                    double[] x = samples.get(b);
                    work.add(() -> evaluator.evaluate(stack, x, perModel));
                }
                return io.robustbounds.linalg.Threads.all(pool, work);
            });
        } finally {
            pool.shutdownNow();
        }
    }

    /** One 784-256-256-10 ReLU MLP (He-scaled uniform weights), 2000 samples in [0, 1]^784 in batches of 250, U = 1. */
    static Map<String, Object> wide(int batchSize, int repeats, int workers) {
        RandomMlp spec = RandomMlp.of(784, 2, 256, Activation.RELU, 10, -1, 1, 0, 1);
        Model raw = spec.model(7, 0);
        Model model = HeScaling.apply(raw);
        EvalSettings settings = base.withFgsUpper(1.0);
        List<double[]> batches = new ArrayList<>();
        for (int first = 0; first < 2000; first += batchSize) {
            batches.add(spec.samples(7, 0, first, Math.min(batchSize, 2000 - first)));
        }
        return timedOnWorkers("wide", model, settings, batches, repeats, workers);
    }

    /**
     * The peer's LeNet-5 shape: conv 20×1×5×5 + ReLU, max pool 2/2, conv 50×20×5×5 + ReLU, max pool 2/2, dense 500
     * ReLU, head 10; Gaussian weights scaled by sqrt(2 / fan-in) (the first kernel also by 1/255), zero biases;
     * 500 samples uniform in [0, 255]^{1×28×28} in batches of {@code batchSize}, U = 100.
     */
    static Map<String, Object> lenet(int batchSize, int repeats, int workers) {
        Model model = lenetModel(7);
        EvalSettings settings = base.withFgsUpper(100);
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        List<double[]> batches = new ArrayList<>();
        for (int first = 0; first < 500; first += batchSize) {
            double[] x = new double[Math.min(batchSize, 500 - first) * 784];
            for (int i = 0; i < x.length; i++) {
                x[i] = 255 * r.nextDouble();
            }
            batches.add(x);
        }
        return timedOnWorkers("lenet", model, settings, batches, repeats, workers);
    }

    /** A LeNet-5-shaped model with the peer's initialization (see {@link #lenet}). */
    public static Model lenetModel(long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            List<io.robustbounds.model.Layer> layers = List.of(
                    new Conv2d(gaussian(r, Math.sqrt(2.0 / 25) / 255, 20, 1, 5, 5), Nd4j.zeros(DataType.FLOAT, 20), 1, 0, true),
                    Pool2d.max(2, 2),
                    new Conv2d(gaussian(r, Math.sqrt(2.0 / 500), 50, 20, 5, 5), Nd4j.zeros(DataType.FLOAT, 50), 1, 0, true),
                    Pool2d.max(2, 2),
                    new Flatten(),
                    new io.robustbounds.model.DenseLayer(gaussian(r, Math.sqrt(2.0 / 800), 500, 800), Nd4j.zeros(DataType.FLOAT, 500),
                            Activation.RELU));
            return new Model("lenet-shape", new io.robustbounds.model.InputSpec(new long[] {1, 28, 28}, 0, 255), layers,
                    new io.robustbounds.model.LinearHead(gaussian(r, Math.sqrt(2.0 / 500), 10, 500), Nd4j.zeros(DataType.FLOAT, 10)),
                    List.of(), Map.of("seed", seed, "init", "gaussian * sqrt(2/fan-in), as numpy_peer.py lenet"));
        }
    }

    private static org.nd4j.linalg.api.ndarray.INDArray gaussian(java.util.SplittableRandom r, double scale, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            // Box–Muller on the counter-free stream: the same seed gives the same model
            double u = 1 - r.nextDouble();
            v[i] = (float) (scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return Nd4j.createFromArray(v).reshape('c', shape);
    }

    /**
     * One model file's own throughput in process: {@code samples} seeded uniform samples in its input range,
     * evaluated in batches of {@code batchSize} (the figure the Spark jobs' overhead is measured against).
     */
    public static Map<String, Object> model(Model model, long samples, int batchSize, double fgsUpper, int repeats, List<BoundMode> modes,
                                            int workers) {
        int d = (int) model.input().size();
        EvalSettings settings = EvalSettings.defaults().withModes(modes).withFgsUpper(fgsUpper);
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        List<double[]> batches = new ArrayList<>();
        for (long first = 0; first < samples; first += batchSize) {
            double[] x = new double[(int) Math.min(batchSize, samples - first) * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = model.input().low() + (model.input().high() - model.input().low()) * r.nextDouble();
            }
            batches.add(x);
        }
        return timedOnWorkers("model:" + model.name(), model, settings, batches, repeats, workers);
    }

    /** One model's batches evaluated on {@code workers} threads ({@link ParallelEvaluator}), timed. */
    private static Map<String, Object> timedOnWorkers(String name, Model model, EvalSettings settings, List<double[]> batches, int repeats,
                                                      int workers) {
        int d = (int) model.input().size();
        try (ParallelEvaluator evaluator = new ParallelEvaluator(() -> ModelEvaluator.of(model, settings), workers)) {
            return timed(name, repeats, () -> {
                List<SampleResults> out = new ArrayList<>();
                for (double[] x : batches) {
                    out.add(evaluator.evaluate(x, x.length / d));
                }
                return out;
            });
        }
    }

    private static Map<String, Object> timed(String name, int repeats, java.util.function.Supplier<List<SampleResults>> work) {
        work.get(); // warm-up: JIT and workspace sizing
        double best = Double.POSITIVE_INFINITY;
        List<SampleResults> results = null;
        for (int r = 0; r < Math.max(1, repeats); r++) {
            long t0 = System.nanoTime();
            results = work.get();
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.err.printf("%s repeat %d: %.3f s%n", name, r + 1, seconds);
            best = Math.min(best, seconds);
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
        for (SampleResults.ModeBounds first : results.get(0).modes()) {
            BoundMode mode = first.mode();
            double sum = 0;
            long v = 0;
            for (SampleResults r : results) {
                SampleResults.ModeBounds mb = r.of(mode);
                sum += java.util.Arrays.stream(mb.bound()).sum();
                v += mb.violations();
            }
            out.put("mean_bound_" + mode.id(), sum / n);
            out.put("violations_" + mode.id(), v);
        }
        return out;
    }

    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "sweep";
        int batchModels = args.length > 1 ? Integer.parseInt(args[1]) : 250;
        System.out.println(run(name, batchModels, 2));
    }
}
