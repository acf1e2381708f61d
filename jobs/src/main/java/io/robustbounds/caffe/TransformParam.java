package io.robustbounds.caffe;

import java.util.List;

/**
 * TransformationParameter of a data layer (caffe.proto: scale 1 [default 1], mirror 2, crop_size 3, mean_file 4,
 * mean_value 5). Caffe's data transformer computes (pixel − mean) × scale.
 */
public record TransformParam(float scale, boolean mirror, long cropSize, String meanFile, List<Float> meanValues) {
    public TransformParam {
        meanValues = List.copyOf(meanValues);
    }

    public static TransformParam defaults() {
        return new TransformParam(1f, false, 0, "", List.of());
    }

    /** Whether a mean is subtracted before scaling. */
    public boolean subtractsMean() {
        return !meanFile.isEmpty() || !meanValues.isEmpty();
    }
}
