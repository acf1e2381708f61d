package io.robustbounds.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.robustbounds.data.TestSetMetadata;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** U derived from the data's range: the thesis' values for its ranges, the model's range as a fallback. */
class FgsUpperTest {
    private static TestSetMetadata set(double low, double high) {
        return new TestSetMetadata(new long[] {4}, low, high, List.of("a", "b"), Map.of());
    }

    @Test
    void thesisValues() {
        assertEquals(1.0, FgsUpper.derive(set(0, 1)).value(), "[0, 1]");
        assertEquals(1.0, FgsUpper.derive(set(-1, 1)).value(), "[-1, 1]");
        assertEquals(100.0, FgsUpper.derive(set(0, 255)).value(), "[0, 255]: pixels");
        assertEquals(1.0, FgsUpper.derive(set(0, 255 / 256.0)).value(), "MNIST × 1/256");
        assertEquals(10.0, FgsUpper.derive(set(-10, 10)).value(), "thesis Table 3.1 row 4");
        assertEquals(100.0, FgsUpper.derive(set(-100, 100)).value(), "thesis Table 4.2 row 2");
        assertEquals(10.0, FgsUpper.derive(set(-3.17871, 3.11372)).value(), "the demo blobs: 3.18 is above √10");
        assertEquals(1.0, FgsUpper.derive(set(-3.1, 3.1)).value(), "3.1 is below √10");
    }

    @Test
    void sourceSaysWhatItCameFrom() {
        FgsUpper u = FgsUpper.derive(set(0, 255));
        assertEquals("auto: the test set's range [0, 255], max |x| = 255 → 10^round(log10 255)", u.source());
        assertEquals("evaluation.fgs-upper", FgsUpper.given(2).source());
    }
}
