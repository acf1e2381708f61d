package io.robustbounds.output;

/**
 * An output that cannot be written: the target is not this tool's output of that kind, or another run holds it.
 * Bad input (exit 2), like the other {@link IllegalArgumentException}s; nothing was written or deleted.
 */
public final class OutputException extends IllegalArgumentException {
    public OutputException(String message) {
        super(message);
    }
}
