package io.robustbounds.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Activation;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Model;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** The exported model computes what the SameDiff graph computes: logits to 1e-5, the same classes. */
class TrainExportTest {

    @TempDir
    Path tmp;

    private static void assertSameForward(SameDiffTrainer.Network net, Model model, LabeledSet data) {
        double[] graph = ModelLogits.toDoubles(net.logits(data.features(), data.size()));
        double[] exported = ModelLogits.of(model, data);
        assertEquals(graph.length, exported.length);
        double worst = 0;
        for (int i = 0; i < graph.length; i++) {
            worst = Math.max(worst, Math.abs(graph[i] - exported[i]));
        }
        assertTrue(worst <= 1e-5, "largest logit difference " + worst);
        int[] expected = net.predict(data.features(), data.size());
        int[] viaEvaluator = ModelEvaluator.of(model, EvalSettings.defaults().withDataType(DataType.DOUBLE)).predict(data.features(), data.size());
        assertArrayEquals(expected, viaEvaluator);
    }

    @Test
    void mlpExportsWithInputScaleFolded() {
        LabeledSet data = TrainFixtures.separable(200, 6, 1, 0.05);
        Hyperparameters hp = Hyperparameters.defaults().withPrecision(DataType.DOUBLE).withLearningRate(0.01).withBatchSize(16)
                .withIterations(200).withSeed(2);
        hp = new Hyperparameters(hp.optimizer(), hp.learningRate(), hp.beta1(), hp.beta2(), hp.epsilon(), hp.batchSize(), hp.iterations(),
                0, hp.seed(), WeightInit.XAVIER_UNIFORM, 0, 0.5, DataType.DOUBLE);
        SameDiffTrainer trainer = new SameDiffTrainer(List.of(new LayerSpec.Dense(7, Activation.TANH),
                new LayerSpec.Dense(5, Activation.SOFTPLUS), new LayerSpec.Dense(4, Activation.SIGMOID)), hp);
        SameDiffTrainer.Network net = trainer.build(data.shape(), 3);
        net.fit(data, null);
        Model model = net.export("toy-mlp", new InputSpec(data.shape(), -1, 1), List.of("a", "b", "c"), Map.of("seed", 2));
        assertSameForward(net, model, data);
        // and through the model format
        ModelFormat.write(model, tmp.resolve("mlp"));
        assertSameForward(net, ModelFormat.read(tmp.resolve("mlp")), data);
    }

    @Test
    void tinyCnnWithConvPoolLrnFlattenDenseExports() {
        LabeledSet data = TrainFixtures.images(40, 2, 9, 9, 4);
        Hyperparameters hp = Hyperparameters.defaults().withPrecision(DataType.DOUBLE).withLearningRate(0.01).withBatchSize(8)
                .withIterations(30).withSeed(3);
        hp = new Hyperparameters(hp.optimizer(), hp.learningRate(), hp.beta1(), hp.beta2(), hp.epsilon(), hp.batchSize(), hp.iterations(),
                0, hp.seed(), WeightInit.XAVIER, 0, 0.25, DataType.DOUBLE);
        List<LayerSpec> layers = List.of(
                new LayerSpec.Conv(4, 3, 1, 1, true),
                new LayerSpec.Pool(true, 2, 2),
                new LayerSpec.Lrn(1.0, 3, 0.5, 0.75, true),   // large α so the normalization matters
                new LayerSpec.Conv(5, 2, 2, 0, false),
                new LayerSpec.Lrn(2.0, 2, 0.3, 0.6, false),
                new LayerSpec.Pool(false, 2, 1),
                new LayerSpec.Flatten(),
                new LayerSpec.Dense(6, Activation.RELU));
        SameDiffTrainer.Network net = new SameDiffTrainer(layers, hp).build(data.shape(), 2);
        net.fit(data, null);
        Model model = net.export("toy-cnn", new InputSpec(data.shape(), 0, 1), List.of(), Map.of());
        assertEquals(List.of("conv", "pool", "lrn", "conv", "lrn", "pool", "flatten", "dense"),
                model.layers().stream().map(l -> l.kind().id()).toList());
        assertSameForward(net, model, data);
    }

    @Test
    void lrnBeforeTheFirstWeightedLayerRefusesAnInputScale() {
        Hyperparameters hp = new Hyperparameters("adam", 1e-3, 0.9, 0.999, 1e-8, 4, 1, 0, 1, WeightInit.XAVIER, 0, 0.5, DataType.FLOAT);
        SameDiffTrainer.Network net = new SameDiffTrainer(List.of(new LayerSpec.Lrn(1, 3, 1e-4, 0.75, true), new LayerSpec.Flatten()), hp)
                .build(new long[] {2, 3, 3}, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.export("x", new InputSpec(new long[] {2, 3, 3}, 0, 1), List.of(), Map.of()));
        assertTrue(e.getMessage().contains("layer 0 (lrn)"), e.getMessage());
    }
}
