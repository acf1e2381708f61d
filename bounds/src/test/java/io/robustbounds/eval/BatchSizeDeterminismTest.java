package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.model.Pool2d;
import io.robustbounds.random.RandomMlp;
import io.robustbounds.testing.RandomArrays;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A single model's results for a sample must be bit-identical whatever the batch it is evaluated in (README:
 * "bit-identical whatever the partitioning and batch size"): the same 200 samples in one batch, in 64 + 136, in
 * 100 + 100 and in 7 + 193, and (CNNs: their 64-row blocks) in one batch split across 2 and 4 workers ({@link ParallelEvaluator};
 * MLP batches split only at 4096-row blocks: {@link #mlpAcrossBlocksOnWorkers}, {@link #mlpCertifiedAcrossBlocksOnWorkers}). Every per-sample column of {@link SampleResults} is compared bit for bit, every mode's
 * bound and κ chain included, for LeNet-shaped CNNs and for an MLP with ten classes (FLOAT).
 *
 * <p>When batches were only padded to at least 64 rows this failed for all of them: δ, the bound and every κ
 * differed in 143 of 200 CNN samples between 100 + 100 and 200 (176 of 200 MLP samples), FGS ε in 15 (2), the best
 * attack's norm with DeepFool in 143 (200). OpenBLAS (0.3.19, SkylakeX kernels) computes the head's product [N, 32]·[32, 10]ᵀ with its
 * small-matrix kernel when 10·N ≤ 1200 and with the blocked one above, and the two round differently. Batches now
 * have exactly {@link Padding#BLOCK_ROWS} rows.
 */
class BatchSizeDeterminismTest {
    private static final int SAMPLES = 200;
    private static final int[][] SPLITS = {{SAMPLES}, {64, 136}, {100, 100}, {7, 193}};

    /**
     * A LeNet-shaped network on [1, 16, 16]: conv 6×1×5×5 → MAX pool 2/2 → conv 12×6×3×3 → MAX pool 2/2 → flatten [48]
     * → dense 32 ReLU → head 10; ReLU after the convolutions when {@code relu}.
     */
    static Model lenetLike(long seed, boolean relu) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Layer> layers = List.of(
                new Conv2d(RandomArrays.uniform(r, 0.4, 6, 1, 5, 5), RandomArrays.uniform(r, 0.1, 6), 1, 0, relu), Pool2d.max(2, 2),
                new Conv2d(RandomArrays.uniform(r, 0.25, 12, 6, 3, 3), RandomArrays.uniform(r, 0.1, 12), 1, 0, relu), Pool2d.max(2, 2),
                new Flatten(),
                new DenseLayer(RandomArrays.uniform(r, 0.3, 32, 48), RandomArrays.uniform(r, 0.1, 32), Activation.RELU));
        return new Model("lenet-like" + (relu ? "-relu" : ""), new InputSpec(new long[] {1, 16, 16}, 0, 1), layers,
                new LinearHead(RandomArrays.uniform(r, 0.4, 10, 32), RandomArrays.uniform(r, 0.1, 10)), List.of(), Map.of());
    }

    /** Every per-sample column, by name, as doubles (sample-major for the κ chains). */
    private static Map<String, double[]> columns(SampleResults r) {
        Map<String, double[]> c = new java.util.LinkedHashMap<>();
        c.put("predicted", Arrays.stream(r.predicted()).asDoubleStream().toArray());
        c.put("runnerUp", Arrays.stream(r.runnerUp()).asDoubleStream().toArray());
        c.put("delta", r.delta());
        c.put("jacobianNorm", r.jacobianNorm());
        c.put("M", r.secondDerivativeBound());
        c.put("fgsEpsilon", r.fgsEpsilon());
        c.put("fgsSuccess", flags(r.fgsSuccess()));
        c.put("etaNorm", r.etaNorm());
        c.put("adversarialClass", Arrays.stream(r.adversarialClass()).asDoubleStream().toArray());
        c.put("attackNorm", r.attackNorm());
        c.put("attackClass", Arrays.stream(r.attackClass()).asDoubleStream().toArray());
        c.put("attack", Arrays.stream(r.attack()).mapToDouble(a -> a == null ? -1 : a.hashCode()).toArray());
        for (SampleResults.ModeBounds m : r.modes()) {
            c.put(m.mode().id() + " bound", m.bound());
            c.put(m.mode().id() + " kappas", m.kappas());
            c.put(m.mode().id() + " deviation", m.deviation());
            c.put(m.mode().id() + " violation", flags(m.violation()));
        }
        return c;
    }

    private static double[] flags(boolean[] b) {
        double[] d = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            d[i] = b[i] ? 1 : 0;
        }
        return d;
    }

    /** The samples evaluated in consecutive batches of the given sizes, results concatenated. */
    private static SampleResults evaluate(ModelEvaluator evaluator, double[] x, int d, int[] split) {
        List<SampleResults> parts = new ArrayList<>();
        int start = 0;
        for (int rows : split) {
            parts.add(evaluator.evaluate(Arrays.copyOfRange(x, start * d, (start + rows) * d), rows));
            start += rows;
        }
        return SampleResults.concat(parts);
    }

    /**
     * Every split against one batch of all samples (the first split: the same batch twice); a failure names each
     * differing column with the number of differing entries and the first one.
     */
    private static void check(Model model, EvalSettings settings) {
        io.robustbounds.linalg.Threads.limit(1); // as ParallelEvaluator sets it: bits depend on the ops' thread count
        ModelEvaluator evaluator = ModelEvaluator.of(model, settings);
        int d = evaluator.inputSize();
        double[] x = CnnEvaluatorTest.samples(11, SAMPLES, d);
        Map<String, double[]> whole = columns(evaluate(evaluator, x, d, SPLITS[0]));
        List<String> report = new ArrayList<>();
        for (int[] split : SPLITS) {
            compare(whole, columns(evaluate(evaluator, x, d, split)), model.name() + " " + settings.modes() + ", batches " + Arrays.toString(split), report);
        }
        // one batch in parts side by side (ParallelEvaluator), which splits only between row blocks: an MLP's 200 samples
        // are one block of 4096 (mlpAcrossBlocksOnWorkers splits MLPs), the CNNs' four blocks of 64 go as 2 + 2 and 1 each
        for (int workers : evaluator.blockRows() < SAMPLES ? new int[] {2, 4} : new int[0]) {
            try (ParallelEvaluator parallel = new ParallelEvaluator(() -> ModelEvaluator.of(model, settings), workers)) {
                compare(whole, columns(parallel.evaluate(x, SAMPLES)), model.name() + " " + settings.modes() + ", " + workers + " workers", report);
                assertTrue(Arrays.equals(evaluator.predict(x, SAMPLES), parallel.predict(x, SAMPLES)), model.name() + ": predict with " + workers + " workers");
            }
        }
        assertTrue(report.isEmpty(), String.join("\n", report) + "\n" + io.robustbounds.linalg.OpenblasKernel.current().noteIfNotChosen());
    }

    /** Adds to report each column of {@code parts} that differs from {@code whole}: entries differing, the first one. */
    private static void compare(Map<String, double[]> whole, Map<String, double[]> parts, String what, List<String> report) {
        for (Map.Entry<String, double[]> e : whole.entrySet()) {
            double[] a = e.getValue();
            double[] b = parts.get(e.getKey());
            int count = 0;
            int first = -1;
            for (int j = 0; j < a.length; j++) {
                if (Double.doubleToLongBits(a[j]) != Double.doubleToLongBits(b[j])) {
                    first = count++ == 0 ? j : first;
                }
            }
            if (count > 0) {
                report.add(what + ": " + e.getKey() + " differs in " + count + " of " + a.length + " (first at " + first + ": " + a[first] + " vs " + b[first] + ")");
            }
        }
    }

    /** More samples than one MLP block (4096 rows): the parallel evaluator's parts are blocks 1–2 and 3. */
    @Test
    void mlpAcrossBlocksOnWorkers() {
        Map<String, double[]> whole = acrossBlocks(List.of(BoundMode.PAPER, BoundMode.SOUND), 2 * 4096 + 300, 2, 3);
        assertTrue(whole.containsKey("sound bound"));
    }

    /** The certified mode (and FGS) on an MLP batch of two blocks, split across 2 workers: parts of 4096 and 100. */
    @Test
    void mlpCertifiedAcrossBlocksOnWorkers() {
        Map<String, double[]> whole = acrossBlocks(List.of(BoundMode.SOUND, BoundMode.CERTIFIED), 4096 + 100, 2);
        assertTrue(Arrays.stream(whole.get("certified bound")).filter(b -> b > 0).count() > (4096 + 100) / 2, "most samples get a certified radius");
    }

    /**
     * n samples of a 20-16-16-5 tanh MLP (4096-row blocks) in these modes, whole and across each number of workers: every
     * column bit for bit. Returns the whole batch's columns.
     */
    private static Map<String, double[]> acrossBlocks(List<BoundMode> modes, int n, int... workerCounts) {
        io.robustbounds.linalg.Threads.limit(1);
        Model model = RandomMlp.of(20, 2, 16, Activation.TANH, 5, -1, 1, -1, 1).model(3, 0);
        EvalSettings settings = EvalSettings.defaults().withModes(modes);
        ModelEvaluator single = ModelEvaluator.of(model, settings);
        assertTrue(single.blockRows() == 4096, "block rows " + single.blockRows());
        double[] x = CnnEvaluatorTest.samples(5, n, 20);
        Map<String, double[]> whole = columns(single.evaluate(x, n));
        List<String> report = new ArrayList<>();
        for (int workers : workerCounts) {
            try (ParallelEvaluator parallel = new ParallelEvaluator(() -> ModelEvaluator.of(model, settings), workers)) {
                compare(whole, columns(parallel.evaluate(x, n)), modes + ", " + workers + " workers", report);
            }
        }
        assertTrue(report.isEmpty(), String.join("\n", report) + "\n" + io.robustbounds.linalg.OpenblasKernel.current().noteIfNotChosen());
        return whole;
    }

    /** d = 100, two tanh layers of 64, ten classes (the head [N, 64]·[64, 10]ᵀ switches kernels at N = 120). */
    @Test
    void mlpTenClassesDefaultModes() {
        RandomMlp spec = RandomMlp.of(100, 2, 64, Activation.TANH, 10, -0.2, 0.2, 0, 1);
        check(spec.model(7, 0), EvalSettings.defaults());
    }

    /** The same MLP, paper and sound modes, FGS, DeepFool and the L2 search. */
    @Test
    void mlpTenClassesSoundModeAndAttacks() {
        RandomMlp spec = RandomMlp.of(100, 2, 64, Activation.TANH, 10, -0.2, 0.2, 0, 1);
        check(spec.model(7, 0), EvalSettings.defaults().withModes(List.of(BoundMode.PAPER, BoundMode.SOUND))
                .withAttacks(List.of("deepfool", "l2-search")));
    }

    /** The same MLP, sound and certified modes (the certified search from the sound bound up to the FGS norm). */
    @Test
    void mlpTenClassesCertifiedMode() {
        RandomMlp spec = RandomMlp.of(100, 2, 64, Activation.TANH, 10, -0.2, 0.2, 0, 1);
        check(spec.model(7, 0), EvalSettings.defaults().withModes(List.of(BoundMode.SOUND, BoundMode.CERTIFIED)));
    }

    /** No ReLU after the convolutions, FLOAT, the default mode (paper) and FGS. */
    @Test
    void lenetLikeDefaultModes() {
        check(lenetLike(5, false), EvalSettings.defaults());
    }

    /** ReLU after the convolutions, FLOAT, the default mode (paper) and FGS. */
    @Test
    void lenetLikeReluDefaultModes() {
        check(lenetLike(6, true), EvalSettings.defaults());
    }

    /** ReLU after the convolutions, FLOAT, paper and sound modes, FGS and DeepFool (the attacks' batches too). */
    @Test
    void lenetLikeReluSoundModeAndDeepFool() {
        check(lenetLike(6, true), EvalSettings.defaults().withModes(List.of(BoundMode.PAPER, BoundMode.SOUND))
                .withAttacks(List.of("deepfool")));
    }
}
