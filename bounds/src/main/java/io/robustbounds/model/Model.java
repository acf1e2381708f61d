package io.robustbounds.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * A classifier: a trunk of layers followed by a linear head read through softmax. With no layers it is a
 * linear classifier (thesis ch. 3); with dense layers an MLP (ch. 4).
 *
 * <p>The constructor validates everything: shapes chain from the input through every layer into the
 * head, and every weight is finite. Errors name the layer and field.
 */
public record Model(String name, InputSpec input, List<Layer> layers, LinearHead head, List<String> classNames,
                    Map<String, Object> provenance) {

    public Model {
        if (name == null || name.isBlank()) {
            throw new ModelException("name is missing");
        }
        if (input == null) {
            throw new ModelException("input is missing");
        }
        if (head == null) {
            throw new ModelException("output is missing");
        }
        layers = List.copyOf(layers);
        classNames = classNames == null ? List.of() : List.copyOf(classNames);
        provenance = provenance == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
        long[] shape = input.shape();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            for (Map.Entry<String, INDArray> t : layer.tensors().entrySet()) {
                requireFinite(t.getValue(), "layer " + i + " (" + layer.kind() + ")", t.getKey());
            }
            shape = layer.outputShape(shape, i);
        }
        if (shape.length != 1 || shape[0] != head.inputSize()) {
            throw new ModelException("output: expected input " + Arrays.toString(new long[] {head.inputSize()})
                    + ", got " + Arrays.toString(shape) + (layers.isEmpty() ? " (the model input)" : " (output of layer " + (layers.size() - 1) + ")"));
        }
        for (Map.Entry<String, INDArray> t : head.tensors().entrySet()) {
            requireFinite(t.getValue(), "output", t.getKey());
        }
        if (!classNames.isEmpty() && classNames.size() != head.classes()) {
            throw new ModelException("classes: " + classNames.size() + " names given, the output layer has "
                    + head.classes() + " classes");
        }
    }

    private static void requireFinite(INDArray a, String layer, String field) {
        if (BooleanIndexing.or(a, Conditions.isNan()) || BooleanIndexing.or(a, Conditions.isInfinite())) {
            throw new ModelException(layer + ": " + field + " holds NaN or infinite values");
        }
    }

    public int classes() {
        return head.classes();
    }

    /** True when every layer is dense: the MLP of thesis ch. 4 (or a linear classifier with no layers). */
    public boolean isMlp() {
        return layers.stream().allMatch(l -> l instanceof DenseLayer);
    }

    /** The dense layers, in order; only valid for {@link #isMlp()} models. */
    public List<DenseLayer> denseLayers() {
        if (!isMlp()) {
            throw new ModelException("model '" + name + "' is not an MLP");
        }
        return layers.stream().map(DenseLayer.class::cast).toList();
    }
}
