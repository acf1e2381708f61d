package io.robustbounds.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.robustbounds.linalg.Arrays2;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A dense layer's own forward pass and input gradient, in double, against plain loops and central differences. */
class DenseLayerTest {

    private static INDArray random(Random r, long... shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return Arrays2.fromDoubles(v, DataType.DOUBLE, shape);
    }

    @Test
    void forwardIsTheActivationOfTheAffineMap() {
        Random r = new Random(7);
        DenseLayer layer = new DenseLayer(random(r, 3, 4), random(r, 3), Activation.TANH);
        double[] x = Arrays2.toDoubles(random(r, 5, 4));
        double[] y = Arrays2.toDoubles(layer.forward(Arrays2.fromDoubles(x, DataType.DOUBLE, 5, 4)));
        double[] w = Arrays2.toDoubles(layer.weight());
        double[] b = Arrays2.toDoubles(layer.bias());
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 3; j++) {
                double z = b[j];
                for (int k = 0; k < 4; k++) {
                    z += w[j * 4 + k] * x[i * 4 + k];
                }
                assertEquals(Math.tanh(z), y[i * 3 + j], 1e-12, "sample " + i + ", unit " + j);
            }
        }
    }

    @Test
    void inputGradientMatchesCentralDifferences() {
        Random r = new Random(11);
        for (Activation g : Activation.values()) {
            DenseLayer layer = new DenseLayer(random(r, 3, 4), random(r, 3), g);
            double[] x = Arrays2.toDoubles(random(r, 2, 4));
            double[] up = Arrays2.toDoubles(random(r, 2, 3)); // loss = Σ up ⊙ forward(x)
            double[] grad = Arrays2.toDoubles(layer.inputGradient(Arrays2.fromDoubles(x, DataType.DOUBLE, 2, 4),
                    Arrays2.fromDoubles(up, DataType.DOUBLE, 2, 3)));
            double h = 1e-6;
            for (int e = 0; e < x.length; e++) {
                double[] plus = x.clone();
                double[] minus = x.clone();
                plus[e] += h;
                minus[e] -= h;
                double numeric = (loss(layer, plus, up) - loss(layer, minus, up)) / (2 * h);
                assertEquals(numeric, grad[e], 1e-6, g + " element " + e);
            }
        }
    }

    private static double loss(DenseLayer layer, double[] x, double[] up) {
        double[] y = Arrays2.toDoubles(layer.forward(Arrays2.fromDoubles(x, DataType.DOUBLE, 2, 4)));
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += up[i] * y[i];
        }
        return s;
    }
}
