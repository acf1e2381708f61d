package io.robustbounds.eval;

/** The smallest batch the evaluators and the attacks' networks compute with (shared by every evaluator). */
final class Padding {
    private Padding() {
    }

    /**
     * Fewest rows a single model's batch is evaluated with; smaller batches are padded with zero rows whose
     * results are dropped. OpenBLAS rounds a row of a product differently when the product is small (its
     * small-matrix and GEMV paths: [N,40]·[40,30] differs for N ≤ 32, [N,784]·[784,256] for N = 1, and
     * agrees for every N ≥ 48 tried up to 8192), so without this a sample's result would depend on how many
     * others share its batch, i.e. on partitioning. Stacks of several models keep their samples per model,
     * which a sweep fixes, so they are not padded.
     */
    static final int MIN_ROWS = 64;

    /**
     * Rows of every batch a convolutional network computes with (the evaluator's chunks and the attacks' batches):
     * a batch of fewer samples is padded with zero rows, a larger one split. A minimum is not enough: OpenBLAS picks
     * its kernel from a product's whole shape, not from its row count alone (0.3.19, SkylakeX: the small-matrix
     * kernel for M·N·K ≤ 100³, and for a transposed A only when M·N ≤ 1200), and a row rounds differently in the
     * two. LeNet's head [N, 500]·[500, 10]ᵀ switches at N = 120, so with a minimum of 64 rows a sample's logits,
     * δ and bound depended on how many samples shared its chunk (CnnBatchDeterminismTest). With the same shape
     * for every batch each product takes one kernel; its result for a row does not depend on the row's position
     * (measured on the head above for N = 1 … 300 at several offsets) except in the small kernel's last N mod 4
     * rows, which a multiple of 64 never has.
     */
    static final int BLOCK_ROWS = 64;
}
