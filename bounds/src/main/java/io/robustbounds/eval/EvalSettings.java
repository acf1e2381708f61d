package io.robustbounds.eval;

import io.robustbounds.bounds.BoundMode;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * How a batch is evaluated.
 *
 * @param dataType          FLOAT (default: the forward passes and Jacobian products, whose results need
 *                          ~1e-6 relative accuracy) or DOUBLE (reference computations and tests); margins,
 *                          M and the bound formula are always evaluated in double
 * @param mode              which derivation of the bound
 * @param jacobianTolerance τ: each ‖J‖² is computed to a residual r ≤ τ·‖J‖² (so ‖J‖ to about τ/2)
 * @param maxLanczosSteps   cap on the Lanczos steps for ‖J‖
 * @param fgsUpper          U, the upper end of the ε search (thesis: 1 for data in [−1,1] or [0,1], 100 for pixels)
 * @param fgsTolerance      the search stops when the ε interval is at most fgsTolerance·U wide
 * @param batchMemory       bytes of working memory one CNN chunk may use (activations, gradients, im2col
 *                          buffers); a batch larger than that is evaluated in chunks, so memory stays bounded
 *                          whatever the batch or partition size
 */
public record EvalSettings(DataType dataType, BoundMode mode, double jacobianTolerance, int maxLanczosSteps,
                           double fgsUpper, double fgsTolerance, long batchMemory) {

    /** The default working memory of one CNN chunk: 256 MiB. */
    public static final long DEFAULT_BATCH_MEMORY = 256L << 20;

    public EvalSettings {
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, got " + dataType);
        }
        if (mode == null) {
            throw new IllegalArgumentException("mode is missing");
        }
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
    }

    /** The settings of the thesis' MLP experiments and the given batch memory (see {@link #defaults()}). */
    public EvalSettings(DataType dataType, BoundMode mode, double jacobianTolerance, int maxLanczosSteps,
                        double fgsUpper, double fgsTolerance) {
        this(dataType, mode, jacobianTolerance, maxLanczosSteps, fgsUpper, fgsTolerance, DEFAULT_BATCH_MEMORY);
    }

    /** FLOAT, paper mode, τ = 1e-4, at most 64 Lanczos steps, U = 1, ε to 1e-6·U, 256 MiB per CNN chunk. */
    public static EvalSettings defaults() {
        return new EvalSettings(DataType.FLOAT, BoundMode.PAPER, 1e-4, 64, 1.0, 1e-6);
    }

    public EvalSettings withDataType(DataType t) {
        return new EvalSettings(t, mode, jacobianTolerance, maxLanczosSteps, fgsUpper, fgsTolerance, batchMemory);
    }

    public EvalSettings withFgsUpper(double u) {
        return new EvalSettings(dataType, mode, jacobianTolerance, maxLanczosSteps, u, fgsTolerance, batchMemory);
    }

    public EvalSettings withJacobianTolerance(double tau) {
        return new EvalSettings(dataType, mode, tau, maxLanczosSteps, fgsUpper, fgsTolerance, batchMemory);
    }

    public EvalSettings withBatchMemory(long bytes) {
        return new EvalSettings(dataType, mode, jacobianTolerance, maxLanczosSteps, fgsUpper, fgsTolerance, bytes);
    }
}
