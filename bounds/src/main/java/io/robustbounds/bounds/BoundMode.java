package io.robustbounds.bounds;

import java.util.ArrayList;
import java.util.List;

/**
 * Which derivation produced a bound. Every bound the tool prints carries its mode.
 *
 * <p>{@link #PAPER}: the layer bounds exactly as published (BOUNDS.md §1). Several are not valid in general
 * (BOUNDS.md §3): a paper-mode number is a reproduction of the paper, never a guarantee.
 *
 * <p>{@link #SOUND}: every layer's bound proven (docs/sound-mode.md): Lipschitz constants for the convolutional
 * layers, δ over a certified Lipschitz constant (or Theorem 4.2 with the exact ‖J‖ where it is proven) for the MLP.
 *
 * <p>{@link #CERTIFIED}: the largest L2 radius a linear relaxation of the whole network proves around the sample
 * (CROWN-style back-substitution, docs/certified-mode.md): local, proven, and much tighter than the global constants.
 */
public enum BoundMode {
    PAPER("paper"),
    SOUND("sound"),
    CERTIFIED("certified");

    /** What {@link #parseList} accepts, for error messages. */
    public static final String EXPECTED = "paper, sound, certified, both (paper and sound), all, or a comma-separated list";

    private final String id;

    BoundMode(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static BoundMode parse(String s) {
        for (BoundMode m : values()) {
            if (m.id.equalsIgnoreCase(s.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown bound mode '" + s + "', expected paper, sound or certified");
    }

    /** "paper", "sound", "certified", "both" (paper then sound), "all" (the three) or a comma-separated list. */
    public static List<BoundMode> parseList(String s) {
        if (s.trim().equalsIgnoreCase("both")) {
            return List.of(PAPER, SOUND);
        }
        if (s.trim().equalsIgnoreCase("all")) {
            return List.of(values());
        }
        List<BoundMode> out = new ArrayList<>();
        for (String part : s.split(",")) {
            BoundMode m = parse(part);
            if (!out.contains(m)) {
                out.add(m);
            }
        }
        return List.copyOf(out);
    }

    /** Whether this mode is a chain of per-layer steps on the forward pass (paper, sound), not a whole-network search. */
    public boolean layerwise() {
        return this != CERTIFIED;
    }

    /** The ids joined by commas, as {@link #parseList} reads them. */
    public static String ids(List<BoundMode> modes) {
        return String.join(",", modes.stream().map(BoundMode::id).toList());
    }
}
