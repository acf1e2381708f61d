package io.robustbounds.bounds;

/**
 * Which derivation produced a bound. Every bound the tool prints carries its mode.
 *
 * <p>{@link #PAPER}: the layer bounds exactly as published (BOUNDS.md §1). Several are not valid in general
 * (BOUNDS.md §3): a paper-mode number is a reproduction of the paper, never a guarantee.
 */
public enum BoundMode {
    PAPER("paper");

    private final String id;

    BoundMode(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static BoundMode parse(String s) {
        for (BoundMode m : values()) {
            if (m.id.equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown bound mode '" + s + "', expected one of: paper");
    }
}
