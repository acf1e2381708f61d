package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.eval.SampleResults;
import io.robustbounds.results.CsvColumn;
import io.robustbounds.results.ResultColumn;
import io.robustbounds.results.ResultColumnTest;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** random-mlp's samples.csv derives from the result columns and is byte for byte the file its former printf wrote, with
 * two columns appended for the certified mode (bound_method, certify_steps). */
class RandomMlpCsvTest {
    @Test
    void randomMlpCsvIsTheFormerFormat() {
        SampleResults r = ResultColumnTest.results();
        List<CsvColumn> csv = RandomMlpCommand.CSV;
        assertEquals("model,sample,predicted,runner_up,bound_mode,bound,delta,jacobian_norm,m,fgs_eps,fgs_success,eta_norm,"
                + "adversarial_class,deviation,violation,bound_method,certify_steps", CsvColumn.header(csv));
        int unflipped = 0;
        for (SampleResults.ModeBounds mb : r.modes()) {
            for (int i = 0; i < r.size(); i++) {
                ResultColumn.Sample s = ResultColumnTest.sample(r, mb, i);
                s.model = Integer.toString(i / ResultColumnTest.PER_MODEL);
                s.id = i % ResultColumnTest.PER_MODEL;
                String former = String.format(Locale.ROOT, "%d,%d,%d,%d,%s,%.9g,%.9g,%.9g,%.9g,%.9g,%b,%.9g,%d,%.9g,%b", i / ResultColumnTest.PER_MODEL,
                        i % ResultColumnTest.PER_MODEL, r.predicted()[i], r.runnerUp()[i], mb.mode().id(), mb.bound()[i], r.delta()[i], r.jacobianNorm()[i],
                        r.secondDerivativeBound()[i], r.fgsEpsilon()[i], r.fgsSuccess()[i], r.etaNorm()[i], r.adversarialClass()[i],
                        mb.deviation()[i], mb.violation()[i]);
                assertEquals(former + "," + mb.mode().id() + ",-1", CsvColumn.line(csv, s), "the former columns, then the bound's method and "
                        + "the certified search's steps (−1 in the layer-wise modes)");
                unflipped += r.fgsSuccess()[i] ? 0 : 1;
            }
        }
        assertTrue(unflipped > 0, "the fixture should have samples FGS did not flip (placeholders written raw)");
    }
}
