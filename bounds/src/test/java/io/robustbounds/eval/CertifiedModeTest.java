package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.certified.Certified;
import io.robustbounds.certified.CertifiedRadius;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The certified mode as the evaluators run it (after the layer-wise modes and the attacks): one set of bounds beside
 * paper and sound, in the order asked for, never above the best attack, never below the sound bound it starts from,
 * exactly δ on a linear classifier; and certified accuracy at a fixed radius.
 */
class CertifiedModeTest {
    private static final List<BoundMode> ALL = List.of(BoundMode.PAPER, BoundMode.SOUND, BoundMode.CERTIFIED);

    private static EvalSettings settings(List<BoundMode> modes) {
        return EvalSettings.defaults().withModes(modes).withAttacks(List.of("deepfool", "l2-search")).withBatchMemory(8L << 20);
    }

    @Test
    void certifiedBesideSoundAndBelowTheAttacks() {
        RandomMlp spec = RandomMlp.of(8, 2, 12, Activation.RELU, 3, -1, 1, -1, 1);
        Model model = spec.model(77, 0);
        int n = 40;
        double[] x = spec.samples(77, 0, 0, n);
        SampleResults r = ModelEvaluator.of(model, settings(List.of(BoundMode.CERTIFIED, BoundMode.PAPER, BoundMode.SOUND))).evaluate(x, n);

        assertEquals(List.of(BoundMode.CERTIFIED, BoundMode.PAPER, BoundMode.SOUND), r.modes().stream().map(SampleResults.ModeBounds::mode).toList());
        SampleResults.ModeBounds certified = r.of(BoundMode.CERTIFIED);
        SampleResults.ModeBounds sound = r.of(BoundMode.SOUND);
        assertEquals("crown", certified.method());
        assertEquals("sound", sound.method());
        assertNull(sound.steps());
        assertEquals(0, certified.violations());
        int above = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(certified.bound()[i] >= sound.bound()[i], "sample " + i + ": certified below the sound bound it started from");
            assertTrue(Double.isNaN(r.attackNorm()[i]) || certified.bound()[i] <= r.attackNorm()[i], "sample " + i);
            assertTrue(certified.stepsOf(i) >= 1);
            assertEquals(certified.bound()[i], certified.kappasOf(i)[0]);
            assertEquals(r.delta()[i], certified.kappasOf(i)[1]);
            assertEquals(r.attackNorm()[i] - certified.bound()[i], certified.deviation()[i]);
            above += certified.bound()[i] > 1.5 * sound.bound()[i] ? 1 : 0;
        }
        assertTrue(above > n / 2, "certified radii should be well above the global sound bounds on most samples, got " + above + " of " + n);
    }

    @Test
    void linearClassifierRadiusIsDelta() {
        RandomMlp spec = RandomMlp.of(6, 0, 0, Activation.RELU, 4, -1, 1, -1, 1);
        Model model = spec.model(5, 0);
        int n = 30;
        double[] x = spec.samples(5, 0, 0, n);
        SampleResults r = ModelEvaluator.of(model, settings(ALL).withDataType(DataType.DOUBLE)).evaluate(x, n);
        SampleResults.ModeBounds certified = r.of(BoundMode.CERTIFIED);
        for (int i = 0; i < n; i++) {
            double delta = r.delta()[i];
            assertTrue(certified.bound()[i] <= delta * (1 + 1e-9), "sample " + i);
            assertTrue(certified.bound()[i] >= delta * (1 - 2e-3), "sample " + i + ": " + certified.bound()[i] + " vs δ " + delta);
        }
    }

    @Test
    void fixedRadiusGivesCertifiedAccuracy() {
        RandomMlp spec = RandomMlp.of(8, 2, 12, Activation.TANH, 3, -1, 1, -1, 1);
        Model model = spec.model(9, 0);
        int n = 40;
        double[] x = spec.samples(9, 0, 0, n);
        double radius = 0.05;
        EvalSettings s = settings(List.of(BoundMode.CERTIFIED)).withCertification(new EvalSettings.Certification(1e-3, 30, radius));
        SampleResults r = ModelEvaluator.of(model, s).evaluate(x, n);
        SampleResults.ModeBounds certified = r.of(BoundMode.CERTIFIED);
        boolean[] expected = CertifiedRadius.certify(Certified.of(model), x, n, radius, 8L << 20);
        int certifiedCount = 0;
        for (int i = 0; i < n; i++) {
            assertEquals(1, certified.stepsOf(i));
            assertEquals(expected[i], certified.bound()[i] >= radius, "sample " + i);
            certifiedCount += expected[i] ? 1 : 0;
        }
        assertTrue(certifiedCount > 0 && certifiedCount < n, "the radius should separate the samples, got " + certifiedCount);
    }

    @Test
    void certifiedIsNotALayerwiseStrategy() {
        assertThrows(IllegalArgumentException.class, () -> BoundStrategy.forMlp(BoundMode.CERTIFIED));
        assertEquals(List.of(BoundMode.PAPER, BoundMode.SOUND, BoundMode.CERTIFIED), BoundMode.parseList("all"));
        assertEquals(List.of(BoundMode.SOUND, BoundMode.CERTIFIED), BoundMode.parseList("sound, certified"));
    }
}
