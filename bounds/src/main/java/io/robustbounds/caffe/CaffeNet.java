package io.robustbounds.caffe;

import java.util.List;

/** A Caffe NetParameter: the net's name ("" if absent) and its layers in file order. */
public record CaffeNet(String name, List<CaffeLayer> layers) {
    public CaffeNet {
        layers = List.copyOf(layers);
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
        for (CaffeLayer l : layers) {
            sb.append("  ").append(l).append('\n');
        }
        return sb.toString();
    }
}
