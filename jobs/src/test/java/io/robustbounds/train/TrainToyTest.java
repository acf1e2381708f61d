package io.robustbounds.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.Activation;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainToyTest {

    @Test
    void linearlySeparableProblemIsLearnedPerfectly() {
        LabeledSet data = TrainFixtures.separable(300, 4, 3, 0.1);
        Hyperparameters hp = Hyperparameters.defaults().withLearningRate(0.02).withBatchSize(32).withIterations(1500).withSeed(5);
        SameDiffTrainer trainer = new SameDiffTrainer(List.of(new LayerSpec.Dense(5, Activation.TANH)), hp);
        SameDiffTrainer.Network net = trainer.build(data.shape(), 3);
        long[] seen = {0};
        double[] loss = new double[2];
        net.fit(data, (i, total, ce, m) -> {
            seen[0] = i;
            loss[i == 1 ? 0 : 1] = ce;
        });
        assertEquals(1500, seen[0]);
        assertTrue(loss[0] > 0.5 && loss[1] > 0 && loss[1] < 0.1 * loss[0], "cross-entropy first and last: " + Arrays.toString(loss));
        assertEquals(1500, net.updates());
        int[] p = net.predict(data.features(), data.size());
        int correct = 0;
        for (int i = 0; i < p.length; i++) {
            correct += p[i] == data.labels()[i] ? 1 : 0;
        }
        assertEquals(data.size(), correct, "training accuracy on a separable set");
    }
}
