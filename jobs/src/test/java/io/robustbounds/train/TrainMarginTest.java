package io.robustbounds.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.Activation;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The output-margin regularizer L − ℓ·δ(h_L(x)) (thesis §4.4) pushes the margin up: a larger ℓ, a larger mean δ. */
class TrainMarginTest {

    private static double meanMargin(double ell, LabeledSet data) {
        Hyperparameters hp = Hyperparameters.defaults().withLearningRate(0.01).withBatchSize(20).withIterations(400).withSeed(6)
                .withMarginWeight(ell);
        SameDiffTrainer.Network net = new SameDiffTrainer(List.of(new LayerSpec.Dense(5, Activation.TANH)), hp).build(data.shape(), 3);
        net.fit(data, null);
        return Margins.mean(net.margins(data));
    }

    @Test
    void increasingEllIncreasesTheMeanMargin() {
        LabeledSet data = TrainFixtures.separable(150, 4, 12, 0.02);
        double m0 = meanMargin(0, data);
        double m1 = meanMargin(1, data);
        double m01 = meanMargin(0.1, data);
        double m5 = meanMargin(5, data);
        assertTrue(m0 < m01 && m01 < m1, "mean δ for ℓ = 0, 0.1, 1: " + m0 + ", " + m01 + ", " + m1);
    }

    @Test
    void graphMarginMatchesTheReference() {
        // the regularizer's δ (in the graph) equals the Java reference on the same logits and weights
        LabeledSet data = TrainFixtures.separable(50, 3, 2, 0.0);
        Hyperparameters hp = Hyperparameters.defaults().withPrecision(DataType.DOUBLE).withIterations(5).withMarginWeight(0.5);
        SameDiffTrainer.Network net = new SameDiffTrainer(List.of(new LayerSpec.Dense(4, Activation.TANH)), hp).build(data.shape(), 3);
        net.fit(data, null);
        double[] graph = net.graphMargins(data);
        assertArrayEquals(net.margins(data), graph, 1e-9);
    }
}
