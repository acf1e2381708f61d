package io.robustbounds.spark;

import java.util.LinkedHashMap;
import java.util.Map;

/** Seconds since the previous lap, by name, for the provenance ({@code seconds_by_pass}). */
public final class Timings {
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private long last = System.nanoTime();

    public void lap(String name) {
        long now = System.nanoTime();
        seconds.merge(name, Math.round((now - last) / 1e6) / 1e3, Double::sum);
        last = now;
    }

    public Map<String, Double> seconds() {
        return seconds;
    }
}
