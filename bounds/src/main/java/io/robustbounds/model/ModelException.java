package io.robustbounds.model;

/** A model that cannot be read, built or used; the message names the layer, field and values. */
public class ModelException extends IllegalArgumentException {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
