package io.robustbounds.bench;

import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import java.util.ArrayList;
import java.util.List;

/** The peer's "he" initialisation for the wide workload: weights × √(2/fan-in), biases × 0.01. */
final class HeScaling {
    private HeScaling() {
    }

    static Model apply(Model m) {
        List<Layer> layers = new ArrayList<>();
        for (DenseLayer l : m.denseLayers()) {
            layers.add(new DenseLayer(l.weight().mul(Math.sqrt(2.0 / l.inputSize())), l.bias().mul(0.01), l.activation()));
        }
        LinearHead h = m.head();
        LinearHead head = new LinearHead(h.weight().mul(Math.sqrt(2.0 / h.inputSize())), h.bias().mul(0.01));
        return new Model(m.name() + "-he", m.input(), layers, head, m.classNames(), m.provenance());
    }
}
