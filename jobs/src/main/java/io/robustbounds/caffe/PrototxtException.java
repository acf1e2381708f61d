package io.robustbounds.caffe;

import io.robustbounds.model.ModelException;

/** A .prototxt (protobuf text format) that cannot be read; the message is {@code file:line:column: detail}. */
public final class PrototxtException extends ModelException {
    private final String source;
    private final int line;
    private final int column;

    public PrototxtException(String source, int line, int column, String detail) {
        super(source + ":" + line + ":" + column + ": " + detail);
        this.source = source;
        this.line = line;
        this.column = column;
    }

    /** The file (or other name) the text came from. */
    public String source() {
        return source;
    }

    /** 1-based line. */
    public int line() {
        return line;
    }

    /** 1-based column, counted in characters. */
    public int column() {
        return column;
    }
}
