package io.robustbounds.caffe;

import io.robustbounds.model.ModelException;

/** A Caffe NetParameter that cannot be read; the message names the field path and the byte offset. */
public final class CaffeFormatException extends ModelException {
    private final String path;
    private final long offset;

    public CaffeFormatException(String path, long offset, String detail) {
        super((path.isEmpty() ? "" : path + ": ") + detail + " (at byte " + offset + ")");
        this.path = path;
        this.offset = offset;
    }

    /** The field path, e.g. {@code layer[1] 'conv1' blobs[0]}; empty for the top-level message. */
    public String path() {
        return path;
    }

    /** The byte offset in the input where the problem was found. */
    public long offset() {
        return offset;
    }
}
