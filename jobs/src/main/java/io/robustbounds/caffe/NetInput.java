package io.robustbounds.caffe;

import java.util.List;

/**
 * A net-level input (NetParameter input 3 with input_shape 8 or the legacy input_dim 4): the blob name and its
 * shape, batch dimension first; the shape is empty when the net does not give one.
 */
public record NetInput(String name, List<Long> shape) {
    public NetInput {
        shape = List.copyOf(shape);
    }
}
