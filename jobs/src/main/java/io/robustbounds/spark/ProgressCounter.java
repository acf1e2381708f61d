package io.robustbounds.spark;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A job's work done so far, read on the driver while it runs: the tasks add to a {@link LongAccumulator}; a finished
 * task's count arrives with its end, a running task's count so far with its executor's heartbeats
 * ({@code spark.executor.heartbeatInterval}; {@link Sessions} sets 3 s for the embedded Spark). Both are taken from
 * the listener events, in their order, so a finished task is never counted twice; a task that failed loses its
 * partial count, and {@link #done()} never decreases (it holds the highest sum seen, at most the total).
 */
public final class ProgressCounter implements AutoCloseable {
    private final SparkContext sc;
    private final LongAccumulator counter;
    private final SparkListener listener;
    private final long total;
    /** Counts of running tasks as their last heartbeat reported them, by task id. */
    private final Map<Long, Long> running = new HashMap<>();
    private long finished;
    private long shown;

    /** Registers the accumulator {@code name} and a listener that follows it. */
    public ProgressCounter(SparkContext sc, String name, long total) {
        this.sc = sc;
        this.total = total;
        this.counter = sc.longAccumulator(name);
        long id = counter.id();
        this.listener = new SparkListener() {
            @Override
            public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate e) {
                for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> task : CollectionConverters.asJava(e.accumUpdates())) {
                    Long value = valueOf(task._4(), id);
                    if (value != null) {
                        heartbeat((Long) task._1(), value);
                    }
                }
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd e) {
                Long value = e.taskInfo().successful() ? valueOf(e.taskInfo().accumulables(), id) : null;
                taskEnded(e.taskInfo().taskId(), value == null ? 0 : value, e.taskInfo().successful());
            }
        };
        sc.addSparkListener(listener);
    }

    /** For tests: counts without Spark. */
    ProgressCounter(long total) {
        this.sc = null;
        this.counter = null;
        this.listener = null;
        this.total = total;
    }

    /** The accumulator the tasks add to. */
    public LongAccumulator accumulator() {
        return counter;
    }

    public long total() {
        return total;
    }

    /**
     * Work done: finished tasks' counts and running tasks' last reported counts, at least the accumulator's own value
     * (the finished tasks Spark merged, which the listener may not have heard of yet); never less than before, never
     * above the total.
     */
    public synchronized long done() {
        long sum = finished;
        for (long v : running.values()) {
            sum += v;
        }
        if (counter != null) {
            sum = Math.max(sum, counter.value());
        }
        shown = Math.max(shown, total >= 0 ? Math.min(sum, total) : sum);
        return shown;
    }

    /** A running task's count so far. */
    synchronized void heartbeat(long task, long value) {
        running.put(task, value);
    }

    /** A task ended: a successful one adds its count, a failed one's partial count is dropped (its retry counts again). */
    synchronized void taskEnded(long task, long value, boolean successful) {
        running.remove(task);
        if (successful) {
            finished += value;
        }
    }

    private static Long valueOf(scala.collection.Seq<AccumulableInfo> infos, long id) {
        for (AccumulableInfo a : CollectionConverters.asJava(infos)) {
            if (a.id() == id && a.update().isDefined() && a.update().get() instanceof Number n) {
                return n.longValue();
            }
        }
        return null;
    }

    @Override
    public void close() {
        if (sc != null) {
            sc.removeSparkListener(listener);
        }
    }
}
