package io.robustbounds.certified;

/**
 * The search's propagations over fixed samples, reusing each sample's intermediate bound rows across radii
 * (docs/certified-mode.md, "Reuse across the search"): a propagation at ε' ≤ ε of the sample's last fresh one, and
 * at least {@link CrownNetwork#withReuse ρ}ε, recomputes only the interval bounds, the lines and the margins; the
 * others are propagated afresh and their rows kept, unless a margin's bound is negative at the center itself. Once a
 * reusing propagation falls short, the sample's later ones are all fresh.
 */
final class SearchSession implements LinearBoundNetwork.Session {
    private final CrownNetwork net;
    private final double[] x;
    private final int[] cls;
    private final long batchMemory;
    /** Per sample the rows of its last fresh propagation (null: none yet). */
    private final BoundRows[] rows;
    /** Per sample: a propagation that reused rows fell short, so the sample's later ones are all fresh. */
    private final boolean[] freshOnly;

    SearchSession(CrownNetwork net, double[] x, int n, int[] cls, long batchMemory) {
        this.net = net;
        this.x = x;
        this.cls = cls;
        this.batchMemory = batchMemory;
        this.rows = new BoundRows[n];
        this.freshOnly = new boolean[n];
    }

    @Override
    public LinearBoundNetwork.Step propagate(int[] samples, double[] e) {
        int m = samples.length;
        int[] fresh = new int[m];
        int[] again = new int[m];
        int nf = 0;
        int na = 0;
        for (int k = 0; k < m; k++) {
            BoundRows r = rows[samples[k]];
            if (r != null && !freshOnly[samples[k]] && e[k] <= r.eps && e[k] >= net.settings.reuse() * r.eps) {
                again[na++] = k;
            } else {
                fresh[nf++] = k;
            }
        }
        double[] radius = new double[m];
        double[] estimate = new double[m];
        boolean[] reused = new boolean[m];
        for (int group = 0; group < 2; group++) {
            int[] ks = group == 0 ? fresh : again;
            int count = group == 0 ? nf : na;
            if (count == 0) {
                continue;
            }
            double[] xs = new double[count * net.inputSize()];
            int[] cs = new int[count];
            double[] es = new double[count];
            BoundRows[] use = group == 0 ? null : new BoundRows[count];
            for (int j = 0; j < count; j++) {
                int i = samples[ks[j]];
                System.arraycopy(x, i * net.inputSize(), xs, j * net.inputSize(), net.inputSize());
                cs[j] = cls[i];
                es[j] = e[ks[j]];
                if (use != null) {
                    use[j] = rows[i];
                }
            }
            BoundRows[] recorded = group == 0 ? new BoundRows[count] : null;
            double[][] r = net.propagate(xs, count, cs, es, batchMemory, use, recorded);
            for (int j = 0; j < count; j++) {
                radius[ks[j]] = r[0][j];
                estimate[ks[j]] = r[1][j];
                if (recorded != null) {
                    // a margin bound below 0 at the center itself (estimate < 0): the rows are past the bounds'
                    // blow-up, and reused at a smaller ε they fell short every time on LeNet-5: not kept
                    rows[samples[ks[j]]] = r[1][j] >= 0 ? recorded[j] : null;
                } else {
                    reused[ks[j]] = true;
                    // reused rows that fall short are those of a ball past the bounds' blow-up (on LeNet-5 every
                    // one): fresh propagations from now on, the first at this ε again (the search asks for it)
                    freshOnly[samples[ks[j]]] |= r[0][j] < es[j];
                }
            }
        }
        return new LinearBoundNetwork.Step(radius, estimate, reused);
    }
}
