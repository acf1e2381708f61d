package io.robustbounds.eval;

import io.robustbounds.bounds.BoundMode;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * How a batch is evaluated.
 *
 * @param dataType          FLOAT (default: the forward passes and Jacobian products, whose results need
 *                          ~1e-6 relative accuracy) or DOUBLE (reference computations and tests); margins,
 *                          M and the bound formula are always evaluated in double
 * @param modes             which derivations of the bound, computed from the same forward pass and attacks
 * @param jacobianTolerance τ: each ‖J‖² is computed to a residual r ≤ τ·‖J‖² (so ‖J‖ to about τ/2)
 * @param maxLanczosSteps   cap on the Lanczos steps for ‖J‖
 * @param fgsUpper          U, the upper end of the ε search (thesis: 1 for data in [−1,1] or [0,1], 100 for pixels)
 * @param fgsTolerance      the search stops when the ε interval is at most fgsTolerance·U wide
 * @param batchMemory       bytes of working memory one CNN chunk may use (activations, gradients, im2col
 *                          buffers); a batch larger than that is evaluated in chunks, so memory stays bounded
 *                          whatever the batch or partition size
 * @param attacks           the attacks whose smallest verified perturbation is compared with the bounds: "fgs"
 *                          (always run: the thesis' columns), "deepfool", "l2-search" (single models only)
 * @param certification     the certified mode's search (used only when {@link #modes} has {@link BoundMode#CERTIFIED})
 */
public record EvalSettings(DataType dataType, java.util.List<BoundMode> modes, double jacobianTolerance, int maxLanczosSteps,
                           double fgsUpper, double fgsTolerance, long batchMemory, java.util.List<String> attacks,
                           Certification certification) {

    /**
     * The certified mode's search on ε ({@link io.robustbounds.certified.CertifiedRadius}).
     *
     * @param tolerance the search stops when the interval [proven, refuted] is at most this × its upper end wide
     * @param maxSteps  bound propagations per sample at most
     * @param radius    0: search the largest certified radius; r > 0: one propagation at r per sample, the bound is the
     *                  radius proven at r (≥ r exactly where the ball of radius r is certified: certified accuracy at r)
     */
    public record Certification(double tolerance, int maxSteps, double radius, int branching) implements java.io.Serializable {
        public Certification {
            if (!(tolerance > 0 && tolerance < 1)) {
                throw new IllegalArgumentException("certified tolerance must be in (0, 1), got " + tolerance);
            }
            if (maxSteps < 1) {
                throw new IllegalArgumentException("certified maxSteps must be >= 1, got " + maxSteps);
            }
            if (!(radius >= 0 && Double.isFinite(radius))) {
                throw new IllegalArgumentException("certified radius must be >= 0 and finite, got " + radius);
            }
            if (branching < 0) {
                throw new IllegalArgumentException("certified branching must be >= 0, got " + branching);
            }
        }

        /** With the default branch-and-bound budget ({@link io.robustbounds.certified.CrownNetwork#DEFAULT_BRANCHING}). */
        public Certification(double tolerance, int maxSteps, double radius) {
            this(tolerance, maxSteps, radius, io.robustbounds.certified.CrownNetwork.DEFAULT_BRANCHING);
        }

        /** Radii to 1 %, at most 30 propagations, searched, 16 subdomains per ReLU MLP sample. */
        public static Certification defaults() {
            return new Certification(1e-2, 30, 0);
        }

        /** Whether one fixed radius is certified instead of searching. */
        public boolean fixedRadius() {
            return radius > 0;
        }
    }

    /** The attacks {@link #attacks} may name. */
    public static final java.util.List<String> ATTACKS = java.util.List.of("fgs", "deepfool", "l2-search");

    /** The default working memory of one CNN chunk: 256 MiB. */
    public static final long DEFAULT_BATCH_MEMORY = 256L << 20;

    public EvalSettings {
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, got " + dataType);
        }
        if (modes == null || modes.isEmpty()) {
            throw new IllegalArgumentException("bound modes are missing");
        }
        modes = java.util.List.copyOf(modes);
        if (!(jacobianTolerance > 0 && jacobianTolerance < 1)) {
            throw new IllegalArgumentException("jacobianTolerance must be in (0, 1), got " + jacobianTolerance);
        }
        if (maxLanczosSteps < 1) {
            throw new IllegalArgumentException("maxLanczosSteps must be >= 1, got " + maxLanczosSteps);
        }
        if (!(fgsUpper > 0 && Double.isFinite(fgsUpper))) {
            throw new IllegalArgumentException("fgsUpper must be positive and finite, got " + fgsUpper);
        }
        if (!(fgsTolerance > 0 && fgsTolerance < 1)) {
            throw new IllegalArgumentException("fgsTolerance must be in (0, 1), got " + fgsTolerance);
        }
        if (batchMemory < (1L << 20)) {
            throw new IllegalArgumentException("batchMemory must be at least 1 MiB, got " + batchMemory + " bytes");
        }
        java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("fgs"));
        for (String name : attacks == null ? java.util.List.<String>of() : attacks) {
            if (!ATTACKS.contains(name)) {
                throw new IllegalArgumentException("unknown attack '" + name + "', expected some of " + ATTACKS);
            }
            if (!a.contains(name)) {
                a.add(name);
            }
        }
        attacks = java.util.List.copyOf(a);
        if (certification == null) {
            certification = Certification.defaults();
        }
    }

    /** The default certified search. */
    public EvalSettings(DataType dataType, java.util.List<BoundMode> modes, double jacobianTolerance, int maxLanczosSteps,
                        double fgsUpper, double fgsTolerance, long batchMemory, java.util.List<String> attacks) {
        this(dataType, modes, jacobianTolerance, maxLanczosSteps, fgsUpper, fgsTolerance, batchMemory, attacks, null);
    }

    /** FGS alone. */
    public EvalSettings(DataType dataType, java.util.List<BoundMode> modes, double jacobianTolerance, int maxLanczosSteps,
                        double fgsUpper, double fgsTolerance, long batchMemory) {
        this(dataType, modes, jacobianTolerance, maxLanczosSteps, fgsUpper, fgsTolerance, batchMemory, java.util.List.of("fgs"));
    }

    /** Whether attacks beyond FGS were asked for. */
    public boolean strongAttacks() {
        return attacks.size() > 1;
    }

    /** One bound mode and the default batch memory. */
    public EvalSettings(DataType dataType, BoundMode mode, double jacobianTolerance, int maxLanczosSteps,
                        double fgsUpper, double fgsTolerance) {
        this(dataType, java.util.List.of(mode), jacobianTolerance, maxLanczosSteps, fgsUpper, fgsTolerance, DEFAULT_BATCH_MEMORY);
    }

    /** The first mode (the one a single-mode caller asked for). */
    public BoundMode mode() {
        return modes.get(0);
    }

    public boolean wants(BoundMode m) {
        return modes.contains(m);
    }

    /** FLOAT, paper mode, τ = 1e-4, at most 64 Lanczos steps, U = 1, ε to 1e-6·U, 256 MiB per CNN chunk. */
    public static EvalSettings defaults() {
        return new EvalSettings(DataType.FLOAT, BoundMode.PAPER, 1e-4, 64, 1.0, 1e-6);
    }

    public EvalSettings withDataType(DataType t) {
        return new EvalSettings(t, modes, jacobianTolerance, maxLanczosSteps, fgsUpper, fgsTolerance, batchMemory, attacks, certification);
    }

    public EvalSettings withFgsUpper(double u) {
        return new EvalSettings(dataType, modes, jacobianTolerance, maxLanczosSteps, u, fgsTolerance, batchMemory, attacks, certification);
    }

    public EvalSettings withJacobianTolerance(double tau) {
        return new EvalSettings(dataType, modes, tau, maxLanczosSteps, fgsUpper, fgsTolerance, batchMemory, attacks, certification);
    }

    public EvalSettings withModes(java.util.List<BoundMode> m) {
        return new EvalSettings(dataType, m, jacobianTolerance, maxLanczosSteps, fgsUpper, fgsTolerance, batchMemory, attacks, certification);
    }

    public EvalSettings withAttacks(java.util.List<String> a) {
        return new EvalSettings(dataType, modes, jacobianTolerance, maxLanczosSteps, fgsUpper, fgsTolerance, batchMemory, a, certification);
    }

    public EvalSettings withCertification(Certification c) {
        return new EvalSettings(dataType, modes, jacobianTolerance, maxLanczosSteps, fgsUpper, fgsTolerance, batchMemory, attacks, c);
    }

    /** The bound modes computed per layer on the forward pass (all but the certified mode, which runs after the attacks). */
    public java.util.List<BoundMode> layerwiseModes() {
        return modes.stream().filter(BoundMode::layerwise).toList();
    }

    public EvalSettings withBatchMemory(long bytes) {
        return new EvalSettings(dataType, modes, jacobianTolerance, maxLanczosSteps, fgsUpper, fgsTolerance, bytes, attacks, certification);
    }
}
