package io.robustbounds.caffe;

/** ScaleParameter (caffe.proto: axis 1 [default 1], num_axes 2 [default 1], bias_term 4 [default false]). */
public record ScaleParam(long axis, long numAxes, boolean biasTerm) {
    public static ScaleParam defaults() {
        return new ScaleParam(1, 1, false);
    }
}
