package io.robustbounds.caffe;

import java.util.List;

/** InputParameter (caffe.proto: shape 1, repeated BlobShape): one shape per top, batch dimension first. */
public record InputParam(List<List<Long>> shapes) {
    public InputParam {
        shapes = shapes.stream().map(List::copyOf).toList();
    }
}
