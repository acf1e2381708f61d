package io.robustbounds.caffe;

/**
 * LRNParameter (caffe.proto: local_size 1 [default 5], alpha 2 [default 1], beta 3 [default 0.75],
 * norm_region 4 [default ACROSS_CHANNELS], k 5 [default 1]).
 */
public record LrnParam(long localSize, float alpha, float beta, NormRegion normRegion, float k) {

    /** LRNParameter.NormRegion. */
    public enum NormRegion {
        ACROSS_CHANNELS, WITHIN_CHANNEL
    }

    public static LrnParam defaults() {
        return new LrnParam(5, 1f, 0.75f, NormRegion.ACROSS_CHANNELS, 1f);
    }

    @Override
    public String toString() {
        return "lrn(local_size=" + localSize + ", alpha=" + alpha + ", beta=" + beta + ", " + normRegion + ", k=" + k
                + ")";
    }
}
