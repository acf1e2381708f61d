package io.robustbounds.eval;

/** The row count a single model's batches are computed with (shared by every evaluator and the attacks' networks). */
final class Padding {
    private Padding() {
    }

    /**
     * Rows of every batch a single model computes with: the evaluators' chunks and the attacks' batches, MLP or
     * CNN. A batch of fewer samples is padded with zero rows whose results are dropped, a larger one is split. A
     * minimum row count is not enough: OpenBLAS picks its kernel from a product's whole shape (0.3.19, SkylakeX:
     * the small-matrix kernel when M·N·K ≤ 100³, with a transposed A only when also M·N ≤ 1200), and the kernels round
     * a row differently. A head [N, 500]·[500, 10]ᵀ switches at N = 120 (Sandybridge kernels: at N = 52), so with a
     * minimum of 64 rows a sample's logits, δ and bound depended on how many samples shared its batch
     * (BatchSizeDeterminismTest). With one shape every product takes one kernel, and a row's result
     * does not depend on its position (measured on that head for N = 1 … 300 at several offsets) except in the
     * small kernel's last N mod 4 rows, which a multiple of 64 does not have. Stacks of several models keep
     * their samples per model, which a sweep fixes, so they are not padded. This is a CNN's block (its products are
     * large per row already); a single MLP's is {@link #mlpBlockRows}.
     */
    static final int BLOCK_ROWS = 64;

    /**
     * Rows of every batch a single MLP computes with, for the same reason as {@link #BLOCK_ROWS}, chosen from the model
     * alone: 4096 when a row costs at most 16384 multiply-adds through the layers (a small MLP, whose block is mostly
     * ND4J's ~25 µs per call: 1024-row blocks cost the 10⁶-row pipeline ~7 µs per row, and 8192-row ones padded its
     * 20,000-row tasks by 23 %), else 1024 (a 2000-sample batch of a 784-256-256 net then pads 2.4 %).
     */
    static int mlpBlockRows(DenseStack net) {
        long macs = 0;
        int in = net.inputSize;
        for (int w : net.widths) {
            macs += (long) in * w;
            in = w;
        }
        macs += (long) in * net.classes;
        return macs <= 16384 ? 4096 : 1024;
    }

    /**
     * Rows of every batch the attacks (DeepFool, the L2 search) run a single MLP with: fixed, so a sample's attack does
     * not depend on its batch, and 1024 whatever the model, because an attack runs hundreds of passes per batch and a
     * small batch padded to 8192 rows would pay them for 8192 (`BatchSizeDeterminismTest`'s attack case: 44 s → 9 s).
     */
    static final int MLP_ATTACK_ROWS = 1024;

    /**
     * Fewest rows with which a product of {@code macsPerRow} multiply-adds per row has M·N·K above 100³, where OpenBLAS
     * always takes its blocked kernel, whose rows do not depend on how many rows share the product ({@link #BLOCK_ROWS}).
     */
    static int rowsPastSmallKernel(long macsPerRow) {
        return (int) Math.min(Integer.MAX_VALUE, 1_000_000L / Math.max(1, macsPerRow) + 1);
    }
}
