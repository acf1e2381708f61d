package io.robustbounds.caffe;

import java.util.List;
import java.util.Optional;

/**
 * A LayerParameter: name, type string (e.g. "Convolution"), bottom and top blob names, learned blobs, and the
 * parameter messages this project reads, each present only if the layer carries it.
 */
public record CaffeLayer(String name, String type, List<String> bottoms, List<String> tops, List<CaffeBlob> blobs,
        Optional<ConvolutionParam> convolution, Optional<PoolingParam> pooling,
        Optional<InnerProductParam> innerProduct, Optional<LrnParam> lrn, Optional<ReluParam> relu,
        Optional<BatchNormParam> batchNorm, Optional<ScaleParam> scale, Optional<InputParam> input,
        Optional<TransformParam> transform) {

    public CaffeLayer {
        bottoms = List.copyOf(bottoms);
        tops = List.copyOf(tops);
        blobs = List.copyOf(blobs);
    }

    /** Whether the layer carries a relu_param message. */
    public boolean hasReluParam() {
        return relu.isPresent();
    }

    /** The same layer with other blobs (e.g. a prototxt layer given the caffemodel's weights). */
    public CaffeLayer withBlobs(List<CaffeBlob> newBlobs) {
        return new CaffeLayer(name, type, bottoms, tops, newBlobs, convolution, pooling, innerProduct, lrn, relu,
                batchNorm, scale, input, transform);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("'").append(name).append("' ").append(type).append(' ').append(bottoms)
                .append(" -> ").append(tops);
        convolution.ifPresent(p -> sb.append(' ').append(p));
        pooling.ifPresent(p -> sb.append(' ').append(p));
        innerProduct.ifPresent(p -> sb.append(' ').append(p));
        lrn.ifPresent(p -> sb.append(' ').append(p));
        relu.ifPresent(p -> sb.append(p.negativeSlope() == 0 ? " relu_param" : " relu(negative_slope="
                + p.negativeSlope() + ")"));
        batchNorm.ifPresent(p -> sb.append(" batch_norm(eps=").append(p.eps()).append(')'));
        scale.ifPresent(p -> sb.append(" scale(axis=").append(p.axis()).append(", num_axes=").append(p.numAxes())
                .append(", bias_term=").append(p.biasTerm()).append(')'));
        input.ifPresent(p -> sb.append(" input").append(p.shapes()));
        transform.ifPresent(p -> sb.append(" transform(scale=").append(p.scale())
                .append(p.subtractsMean() ? ", mean" : "").append(')'));
        if (!blobs.isEmpty()) {
            sb.append(" blobs ").append(blobs);
        }
        return sb.toString();
    }
}
