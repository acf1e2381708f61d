package io.robustbounds.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The driver's count of work done from task ends and heartbeats. */
class ProgressCounterTest {
    @Test
    void finishedAndRunningTasksAddUpNeverBackwardsNeverAboveTheTotal() {
        ProgressCounter c = new ProgressCounter(100);
        assertEquals(0, c.done());
        c.heartbeat(1, 20);
        c.heartbeat(2, 10);
        assertEquals(30, c.done());
        c.taskEnded(1, 50, true); // task 1 finished with 50: its partial 20 is replaced
        assertEquals(60, c.done());
        c.taskEnded(2, 0, false); // task 2 failed: its 10 are lost until the retry counts them again
        assertEquals(60, c.done(), "never backwards");
        c.heartbeat(3, 5); // the retry
        assertEquals(60, c.done(), "holds until the retry passes it");
        c.heartbeat(3, 30);
        assertEquals(80, c.done());
        c.taskEnded(3, 50, true);
        assertEquals(100, c.done(), "reaches N/N");
        c.heartbeat(4, 7); // a speculative copy still running
        assertEquals(100, c.done(), "never above the total");
    }
}
