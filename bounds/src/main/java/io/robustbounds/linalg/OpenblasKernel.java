package io.robustbounds.linalg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * OpenBLAS's kernel: the one this process runs ({@code OPENBLAS_CORETYPE}, read by OpenBLAS when ND4J loads it) and
 * the one the launch scripts choose (scripts/openblas-env's rule, here for the entry points that bypass the scripts:
 * a bare spark-submit, java -jar, mvn test). Results are bit-identical whatever the batch size and partitioning
 * (README) only with a kernel that computes a row of a product the same way however many rows share it: SkylakeX
 * (AVX-512) or Sandybridge (AVX). OpenBLAS's own pick on AMD Zen and Intel AVX2 processors (Zen, Haswell) is not one,
 * and some machines export OPENBLAS_CORETYPE=Haswell to every program.
 *
 * @param inUse  OPENBLAS_CORETYPE as this process got it; null: OpenBLAS detects the processor itself
 * @param chosen ROBUSTBOUNDS_OPENBLAS_CORETYPE (the user's knowing choice), else SkylakeX where the processor has
 *               AVX-512, else Sandybridge; null where that is unknown (no /proc/cpuinfo, not x86)
 */
public record OpenblasKernel(String inUse, String chosen) {
    private static final Pattern AVX512 = Pattern.compile("\\bavx512f\\b");

    /** This process' kernel and this machine's choice (read once: neither changes while the process runs). */
    public static OpenblasKernel current() {
        return Current.KERNEL;
    }

    private static final class Current {
        private static final OpenblasKernel KERNEL = read();

        private static OpenblasKernel read() {
            String arch = System.getProperty("os.arch", "");
            boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
            return of(System.getenv(), x86 ? Path.of("/proc/cpuinfo") : null);
        }
    }

    /** The kernel of a process with environment {@code env} on the processor {@code cpuinfo} describes (null: unknown). */
    public static OpenblasKernel of(Map<String, String> env, Path cpuinfo) {
        String inUse = blankToNull(env.get("OPENBLAS_CORETYPE"));
        String chosen = blankToNull(env.get("ROBUSTBOUNDS_OPENBLAS_CORETYPE"));
        if (chosen == null && cpuinfo != null) {
            try {
                chosen = AVX512.matcher(Files.readString(cpuinfo)).find() ? "SkylakeX" : "Sandybridge";
            } catch (IOException e) {
                chosen = null;                    // not Linux: the scripts choose nothing either
            }
        }
        return new OpenblasKernel(inUse, chosen);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** Whether this process runs the chosen kernel (true where no choice is known: nothing to hold it to). */
    public boolean asChosen() {
        return chosen == null || chosen.equalsIgnoreCase(inUse);
    }

    /** The kernel to give processes started from this one (Spark's executors): the choice, else this one's. */
    public String forChildren() {
        return chosen != null ? chosen : inUse;
    }

    /** What the user should know when {@link #asChosen()} is false: both kernels, what it costs and the fix. */
    public String warning() {
        String running = inUse == null ? "the kernel it detects itself" : "kernel " + inUse + " (OPENBLAS_CORETYPE)";
        return "OpenBLAS runs " + running + ", not " + chosen + ", in this process: its products may round differently with"
                + " the batch size and partitioning, so results need not be bit-identical between runs that split the data"
                + " differently; launch through scripts/robustbounds or scripts/submit, or export OPENBLAS_CORETYPE=" + chosen
                + " (ROBUSTBOUNDS_OPENBLAS_CORETYPE chooses another knowingly)";
    }

    /** The {@link #warning} where this process does not run the chosen kernel, else "" (for messages of results that differ). */
    public String noteIfNotChosen() {
        return asChosen() ? "" : warning();
    }
}
