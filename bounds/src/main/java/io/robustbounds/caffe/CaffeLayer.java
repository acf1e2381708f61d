package io.robustbounds.caffe;

import java.util.List;
import java.util.Optional;

/**
 * A LayerParameter: name, type string (e.g. "Convolution"), bottom and top blob names, learned blobs, and the
 * parameter messages this project reads, each present only if the layer carries it.
 */
public record CaffeLayer(String name, String type, List<String> bottoms, List<String> tops, List<CaffeBlob> blobs,
        Optional<ConvolutionParam> convolution, Optional<PoolingParam> pooling,
        Optional<InnerProductParam> innerProduct, Optional<LrnParam> lrn, boolean hasReluParam) {

    public CaffeLayer {
        bottoms = List.copyOf(bottoms);
        tops = List.copyOf(tops);
        blobs = List.copyOf(blobs);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("'").append(name).append("' ").append(type).append(' ').append(bottoms)
                .append(" -> ").append(tops);
        convolution.ifPresent(p -> sb.append(' ').append(p));
        pooling.ifPresent(p -> sb.append(' ').append(p));
        innerProduct.ifPresent(p -> sb.append(' ').append(p));
        lrn.ifPresent(p -> sb.append(' ').append(p));
        if (hasReluParam) {
            sb.append(" relu_param");
        }
        if (!blobs.isEmpty()) {
            sb.append(" blobs ").append(blobs);
        }
        return sb.toString();
    }
}
