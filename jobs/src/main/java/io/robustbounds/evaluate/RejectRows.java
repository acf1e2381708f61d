package io.robustbounds.evaluate;

import io.robustbounds.results.ResultSchema;
import io.robustbounds.spark.SparkInternals;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The rejects pass, run only when the evaluation pass counted bad rows or duplicate ids were found: input rows
 * (id, features, label, file, label_out_of_range, dup_count) → one {@link ResultSchema#REJECTS} row per bad row, with the same checks
 * as the evaluation pass ({@link RowCheck}); a duplicated id (dup_count not null) comes right after a null id.
 */
final class RejectRows implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
    static final int DUP_COUNT = RowCheck.LABEL_OUT_OF_RANGE + 1;
    private final RowCheck check;

    RejectRows(RowCheck check) {
        this.check = check;
    }

    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
        return new Iterator<>() {
            private InternalRow next;

            @Override
            public boolean hasNext() {
                while (next == null && rows.hasNext()) {
                    next = reject(rows.next());
                }
                return next != null;
            }

            @Override
            public InternalRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                InternalRow r = next;
                next = null;
                return r;
            }
        };
    }

    private InternalRow reject(InternalRow r) {
        RowCheck.Problem p = r.isNullAt(RowCheck.ID) || r.isNullAt(DUP_COUNT) ? check.problem(r)
                : new RowCheck.Problem("id", "duplicate id: " + r.getLong(DUP_COUNT) + " rows share it");
        if (p == null) {
            return null;
        }
        // values are copied out of the (reused) input row
        return SparkInternals.row(r.isNullAt(RowCheck.FILE) ? null : r.getUTF8String(RowCheck.FILE).clone(),
                r.isNullAt(RowCheck.ID) ? null : r.getLong(RowCheck.ID), UTF8String.fromString(p.column()), UTF8String.fromString(p.reason()),
                check.featuresAsDoubles(r), r.isNullAt(RowCheck.LABEL) ? null : r.getInt(RowCheck.LABEL));
    }
}
