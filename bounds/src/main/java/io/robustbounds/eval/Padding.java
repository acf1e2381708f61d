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
}
