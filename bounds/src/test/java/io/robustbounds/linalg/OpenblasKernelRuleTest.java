package io.robustbounds.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/openblas-env's rule in Java, on made-up processors and environments. */
class OpenblasKernelRuleTest {
    private static Path cpu(Path dir, String flags) throws IOException {
        Path f = dir.resolve("cpuinfo-" + flags.hashCode());
        Files.writeString(f, "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 " + flags + "\n\nprocessor\t: 1\n");
        return f;
    }

    @Test
    void choosesByTheProcessorAndKeepsOnlyTheUsersChoice(@TempDir Path dir) throws IOException {
        Path avx512 = cpu(dir, "avx avx2 avx512f avx512bw");
        Path avx2 = cpu(dir, "avx avx2 avx512_vnni_like");           // no whole word avx512f
        assertEquals("SkylakeX", OpenblasKernel.of(Map.of(), avx512).chosen());
        assertEquals("Sandybridge", OpenblasKernel.of(Map.of(), avx2).chosen());
        assertEquals("Zen", OpenblasKernel.of(Map.of("ROBUSTBOUNDS_OPENBLAS_CORETYPE", "Zen"), avx512).chosen(), "the user's choice");
        assertEquals("SkylakeX", OpenblasKernel.of(Map.of("ROBUSTBOUNDS_OPENBLAS_CORETYPE", " "), avx512).chosen(), "blank is unset");
        assertNull(OpenblasKernel.of(Map.of(), dir.resolve("absent")).chosen(), "no cpuinfo: no choice");
        assertNull(OpenblasKernel.of(Map.of(), null).chosen(), "not x86: no choice");
    }

    @Test
    void aMachineWideKernelIsNotTheChosenOneAndTheWarningSaysWhatToDo(@TempDir Path dir) throws IOException {
        Path avx512 = cpu(dir, "avx512f");
        OpenblasKernel inherited = OpenblasKernel.of(Map.of("OPENBLAS_CORETYPE", "Haswell"), avx512);
        assertFalse(inherited.asChosen());
        assertEquals("SkylakeX", inherited.forChildren(), "executors get the choice, not the inherited kernel");
        String w = inherited.warning();
        assertTrue(w.contains("Haswell") && w.contains("SkylakeX") && w.contains("bit-identical")
                && w.contains("export OPENBLAS_CORETYPE=SkylakeX") && w.contains("ROBUSTBOUNDS_OPENBLAS_CORETYPE"), w);
        assertEquals(w, inherited.noteIfNotChosen());

        OpenblasKernel detected = OpenblasKernel.of(Map.of(), avx512);
        assertFalse(detected.asChosen(), "OpenBLAS's own detection is not a choice");
        assertTrue(detected.warning().contains("the kernel it detects itself"), detected.warning());

        assertTrue(OpenblasKernel.of(Map.of("OPENBLAS_CORETYPE", "skylakex"), avx512).asChosen(), "names match case-insensitively");
        assertTrue(OpenblasKernel.of(Map.of("OPENBLAS_CORETYPE", "Zen", "ROBUSTBOUNDS_OPENBLAS_CORETYPE", "Zen"), avx512).asChosen());
        assertEquals("", OpenblasKernel.of(Map.of("OPENBLAS_CORETYPE", "SkylakeX"), avx512).noteIfNotChosen());
        OpenblasKernel unknown = OpenblasKernel.of(Map.of("OPENBLAS_CORETYPE", "Haswell"), null);
        assertTrue(unknown.asChosen(), "nothing to hold an unknown machine to");
        assertEquals("Haswell", unknown.forChildren());
    }
}
