package io.robustbounds.report;

import io.robustbounds.results.ResultSchema;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import scala.collection.immutable.ArraySeq;

/** Per-sample results written by the tests in evaluate's schema. */
final class ReportFixtures {
    private ReportFixtures() {
    }

    /** One result row; eta null means FGS found no flip (then ε, adversarial class and deviation are null too). */
    static Row row(String model, long id, Integer label, int predicted, String mode, double bound, double[] kappas, Double eps, Double eta,
            Integer adversarial) {
        boolean ok = eta != null;
        Double deviation = ok ? eta - bound : null;
        return RowFactory.create(model, id, label, predicted, (predicted + 1) % 3, mode, bound, ArraySeq.unsafeWrapArray(kappas),
                kappas[kappas.length - 1], 1.0, eps, ok, eta, adversarial, deviation, ok && bound > eta, 4, eta, ok ? "fgs" : null,
                ok ? bound / eta : null, mode, "certified".equals(mode) ? 3 : null);
    }

    static void write(SparkSession spark, Path dir, List<Row> rows) {
        spark.createDataFrame(rows, ResultSchema.SCHEMA).coalesce(2).write().parquet(dir.toString());
    }

    /** Seeded results of {@code models} models with 3 classes, both bound modes (sound = paper / 3), a κ chain of 4, ~10% FGS failures. */
    static List<Row> random(long seed, int samples, String... models) {
        Random r = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (String m : models) {
            double scale = 0.5 + r.nextDouble() * 3;
            for (long id = 0; id < samples; id++) {
                int label = r.nextInt(3);
                int predicted = r.nextDouble() < 0.9 ? label : (label + 1) % 3;
                double eta = scale * Math.exp(r.nextGaussian() * 0.6);
                double paper = eta * Math.exp(-1.2 + r.nextGaussian() * 0.5);
                boolean flip = r.nextDouble() < 0.9;
                Integer adversarial = flip ? (predicted + 1 + r.nextInt(2)) % 3 : null;
                double eps = eta / 3;
                for (String mode : List.of("paper", "sound")) {
                    double bound = mode.equals("paper") ? paper : paper / 3;
                    double[] kappas = {bound, bound * 4 * Math.exp(r.nextGaussian() * 0.1), bound * 20, bound * 60};
                    rows.add(row(m, id, label, predicted, mode, bound, kappas, flip ? eps : null, flip ? eta : null, adversarial));
                }
            }
        }
        return rows;
    }
}
