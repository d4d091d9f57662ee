package dev.invariant.monitor;

import dev.invariant.monitor.topology.MonitorSettings;
import dev.invariant.schemas.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;

/** The monitor's settings ({@code invariant.*} in application.properties; {@code -D} overrides). */
@ConfigMapping(prefix = "invariant")
public interface MonitorConfig {

    TopicNames topics();

    Registry registry();

    Monitor monitor();

    Dashboard dashboard();

    Shutdown shutdown();

    /** The process whose exit stops this monitor ({@code ExitWithParent}); the CLI's demo passes its pid. */
    @WithName("parent.pid")
    Optional<Long> parentPid();

    interface TopicNames {
        @WithDefault(Topics.COMPLETIONS)
        String completions();

        @WithDefault(Topics.CONSISTENCY)
        String consistency();
    }

    interface Registry {
        /** Root of the registry's Confluent-compatible API. */
        String url();

        /** {@code user:password} for HTTP basic authentication at the registry; none when unset. */
        Optional<String> basicAuth();
    }

    interface Monitor {
        /** Size of the tumbling windows of throughput, latency and windowed consistency. */
        @WithDefault("10s")
        Duration window();

        /** How long windows are kept. */
        @WithDefault("1h")
        Duration retention();

        /** How long a fingerprint, its request ids and its divergence are kept after it was last seen. */
        @WithDefault("7d")
        Duration fingerprintRetention();

        /** Tokens shown before and after the first difference in an event. */
        @WithDefault("8")
        int contextTokens();

        /** Token ids kept per distinct output. */
        @WithDefault("4096")
        int maxStoredTokens();

        /** Characters of text kept per distinct output. */
        @WithDefault("16384")
        int maxStoredChars();

        /** Partitions of the consistency topic when the monitor creates it. */
        @WithDefault("1")
        int consistencyPartitions();
    }

    interface Shutdown {
        /** SIGTERM to exit at most, whatever Kafka Streams' close still waits for (a broker that is gone). */
        Duration gracePeriod();
    }

    interface Dashboard {
        /** How much window history the dashboard's charts show. */
        @WithDefault("10m")
        Duration history();

        /** How often the live view is pushed to each open dashboard. */
        @WithDefault("1s")
        Duration pushInterval();

        /** Divergent fingerprints listed at most. */
        @WithDefault("50")
        int maxDivergences();

        /**
         * A folder of model folders named as the completions name their model ({@code <dir>/stories260K/tokenizer.json}):
         * the divergence view shows token texts for those models, token ids for others.
         */
        Optional<String> modelsDir();

        /** {@code user:password}: when set, the dashboard and its API ask for HTTP basic authentication. */
        Optional<String> basicAuth();
    }

    default MonitorSettings settings() {
        return new MonitorSettings(topics().completions(), topics().consistency(), monitor().window(),
                monitor().retention(), monitor().contextTokens(), monitor().maxStoredTokens(), monitor().maxStoredChars(),
                monitor().fingerprintRetention());
    }
}
