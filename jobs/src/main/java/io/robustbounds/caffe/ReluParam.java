package io.robustbounds.caffe;

/** ReLUParameter (caffe.proto: negative_slope 1 [default 0]); a non-zero slope makes it a leaky ReLU. */
public record ReluParam(float negativeSlope) {
    public static ReluParam defaults() {
        return new ReluParam(0f);
    }
}
