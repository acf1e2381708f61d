package io.robustbounds.caffe;

import java.util.List;

/**
 * A Caffe NetParameter: the net's name ("" if absent), its net-level inputs (deploy nets of the
 * {@code input: "data" input_shape {...}} style; usually empty) and its layers in file order.
 */
public record CaffeNet(String name, List<NetInput> inputs, List<CaffeLayer> layers) {
    public CaffeNet {
        inputs = List.copyOf(inputs);
        layers = List.copyOf(layers);
    }

    public CaffeNet(String name, List<CaffeLayer> layers) {
        this(name, List.of(), layers);
    }

    /** The first layer with this name, or {@code null}. */
    public CaffeLayer layer(String layerName) {
        for (CaffeLayer l : layers) {
            if (l.name().equals(layerName)) {
                return l;
            }
        }
        return null;
    }

    /** One line per layer: name, type, bottoms → tops, blob shapes and parameters. */
    public String describe() {
        StringBuilder sb = new StringBuilder("net '").append(name).append("', ").append(layers.size()).append(" layers\n");
        for (NetInput in : inputs) {
            sb.append("  input '").append(in.name()).append("' ").append(in.shape()).append('\n');
        }
        for (CaffeLayer l : layers) {
            sb.append("  ").append(l).append('\n');
        }
        return sb.toString();
    }
}
