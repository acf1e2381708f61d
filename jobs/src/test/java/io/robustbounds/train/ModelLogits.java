package io.robustbounds.train;

import io.robustbounds.model.TrunkLayer;
import io.robustbounds.eval.DenseStack;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.Model;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The exported model's logits in double, through the project's own layer code: cnn layers' forward, then DenseStack. */
final class ModelLogits {
    private ModelLogits() {
    }

    static double[] of(Model model, double[] features, int n) {
        List<Layer> layers = model.layers();
        int split = 0;
        for (int i = 0; i < layers.size(); i++) {
            if (!(layers.get(i) instanceof DenseLayer)) {
                split = i + 1;
            }
        }
        long[] shape = model.input().shape();
        long[] batch = new long[shape.length + 1];
        batch[0] = n;
        System.arraycopy(shape, 0, batch, 1, shape.length);
        INDArray h = Nd4j.createFromArray(features.clone()).reshape('c', batch);
        for (int i = 0; i < split; i++) {
            TrunkLayer op = ((TrunkLayer) layers.get(i)).withDataType(DataType.DOUBLE);
            h = op.forward(h);
            shape = op.outputShape(shape);
        }
        Model mlp = new Model(model.name() + "/mlp", new InputSpec(shape, -1, 1), new ArrayList<>(layers.subList(split, layers.size())),
                model.head(), model.classNames(), null);
        return DenseStack.of(mlp, DataType.DOUBLE).forward(h.reshape('c', 1, n, shape[0]).castTo(DataType.DOUBLE)).logits();
    }

    static double[] of(Model model, LabeledSet data) {
        return of(model, data.features(), data.size());
    }

    static double[] toDoubles(INDArray a) {
        return Arrays2.toDoubles(a);
    }
}
