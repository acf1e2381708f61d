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
     * large per row already); a single MLP's is {@link #MLP_BLOCK_ROWS}.
     */
    static final int BLOCK_ROWS = 64;

    /**
     * Rows of every batch a single MLP computes with, for the same reason as {@link #BLOCK_ROWS}: an MLP's products are
     * small per row, so 64-row blocks would multiply the ND4J calls per sample (~25 µs each) by up to 128 against the
     * jobs' 8192-row batches; 1024 keeps a 2000-sample batch within 2.4 % of padding.
     */
    static final int MLP_BLOCK_ROWS = 1024;
}
