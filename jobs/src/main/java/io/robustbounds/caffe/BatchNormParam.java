package io.robustbounds.caffe;

/**
 * BatchNormParameter (caffe.proto: use_global_stats 1, moving_average_fraction 2 [default 0.999], eps 3
 * [default 1e-5]). Only eps matters for inference: the learned blobs hold the statistics.
 */
public record BatchNormParam(float eps) {
    public static BatchNormParam defaults() {
        return new BatchNormParam(1e-5f);
    }
}
