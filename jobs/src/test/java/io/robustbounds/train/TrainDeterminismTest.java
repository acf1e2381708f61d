package io.robustbounds.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.robustbounds.model.Activation;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The same seed gives identical weights, before and after training; another seed gives others. */
class TrainDeterminismTest {

    private static List<INDArray> train(long seed, LabeledSet data, List<LayerSpec> layers, int classes) {
        Hyperparameters hp = Hyperparameters.defaults().withLearningRate(0.01).withBatchSize(10).withIterations(60).withSeed(seed);
        SameDiffTrainer.Network net = new SameDiffTrainer(layers, hp).build(data.shape(), classes);
        net.fit(data, null);
        return net.variableNames().stream().map(net::variable).toList();
    }

    @Test
    void sameSeedSameWeights() {
        LabeledSet data = TrainFixtures.separable(100, 5, 9, 0.0);
        List<LayerSpec> layers = List.of(new LayerSpec.Dense(6, Activation.TANH), new LayerSpec.Dense(3, Activation.RELU));
        List<INDArray> a = train(17, data, layers, 3);
        List<INDArray> b = train(17, data, layers, 3);
        assertBitIdentical(a, b);
        assertNotEquals(a, train(18, data, layers, 3));
    }

    @Test
    void sameSeedSameCnnWeights() {
        LabeledSet data = TrainFixtures.images(30, 1, 8, 8, 2);
        List<LayerSpec> layers = List.of(new LayerSpec.Conv(3, 3, 1, 0, true), new LayerSpec.Pool(true, 2, 2),
                new LayerSpec.Lrn(1, 3, 1e-2, 0.75, true), new LayerSpec.Flatten());
        assertBitIdentical(train(4, data, layers, 2), train(4, data, layers, 2));
    }

    /** Every variable the same bit for bit (INDArray's equals compares within 1e-5). */
    static void assertBitIdentical(List<INDArray> a, List<INDArray> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(a.get(i).dup().data().asDouble(), b.get(i).dup().data().asDouble(),
                    "variable " + i + " after training with the same seed");
        }
    }
}
