package io.robustbounds.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;

/**
 * The keys each kind of configuration file may hold. Where the project ships a complete file of defaults, that file is
 * the schema, so a key exists exactly when it has a shipped default and a comment: {@code conf/robustbounds.conf} (every
 * job command), {@code conf/random-mlp.conf} and the suite example {@code conf/benchmarks/example.conf}. The build copies
 * them into the jar (jobs/pom.xml), so a configuration given from anywhere is checked against the same keys. Sweep files
 * ({@link SweepConfig#schema()}) and training files ({@code TrainConfig.SCHEMA}) declare theirs beside their reader.
 */
public final class ConfigSchemas {
    private ConfigSchemas() {
    }

    /** The keys of the job commands' configuration: conf/robustbounds.conf. */
    public static Config main() {
        return shipped("robustbounds.conf");
    }

    /** The keys of random-mlp's configuration: conf/random-mlp.conf. */
    public static Config randomMlp() {
        return shipped("random-mlp.conf");
    }

    /** The keys of a benchmark suite: the job commands' keys and the benchmark block of conf/benchmarks/example.conf. */
    public static Config benchmark() {
        return shipped("benchmarks/example.conf").withOnlyPath("benchmark").withFallback(main());
    }

    /** The shipped file {@code conf/NAME} with its comments (for help texts: its keys, defaults and what they mean). */
    public static Config shippedFile(String name) {
        return shipped(name);
    }

    /** A shipped file as the build copied it next to this class (its includes are not followed: they add no keys of their own). */
    static Config shipped(String name) {
        String resource = "shipped/" + name;
        if (ConfigSchemas.class.getResource(resource) == null) {
            throw new IllegalStateException("the build did not copy conf/" + name + " into the jar (jobs/pom.xml resources)");
        }
        return ConfigFactory.parseResources(ConfigSchemas.class, resource,
                ConfigParseOptions.defaults().setIncluder(NO_INCLUDES)).resolve();
    }

    private static final com.typesafe.config.ConfigIncluder NO_INCLUDES = new com.typesafe.config.ConfigIncluder() {
        @Override
        public com.typesafe.config.ConfigIncluder withFallback(com.typesafe.config.ConfigIncluder fallback) {
            return this;
        }

        @Override
        public com.typesafe.config.ConfigObject include(com.typesafe.config.ConfigIncludeContext context, String what) {
            return ConfigFactory.empty().root();
        }
    };
}
