package dev.invariant.worker.config;

import dev.invariant.schemas.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything the worker is configured with ({@code invariant.*} in application.properties, {@code -D} overrides).
 * SmallRye Config builds it once at start-up; {@link dev.invariant.worker.engine.EngineService} validates the engine
 * part by building an {@link dev.invariant.engine.EngineConfig} from it.
 */
@ConfigMapping(prefix = "invariant")
public interface WorkerConfig {

    /** Model folder (relative to the working directory), hub id or {@code synthetic:NAME}. */
    @WithDefault("../shared/models/stories260K")
    String model();

    /** Name requests and /v1/models use for the model; defaults to the folder's last path element. */
    Optional<String> servedModelName();

    /** Numerics profile the engine runs: portable, fast or naive. */
    @WithDefault("portable")
    String profile();

    /** What runs the forward pass: cpu or cuda (portable results are the same bits on both). */
    @WithDefault("cpu")
    String backend();

    /**
     * What the KV cache stores: auto (= fp32), fp32, bf16, fp8_e4m3 (alias fp8) or fp8_e5m2; part of the fingerprint.
     * vLLM's spelling {@code kv_cache_dtype} is read when this property is not set.
     */
    @WithDefault("${kv_cache_dtype:auto}")
    String kvCacheDtype();

    /**
     * The weight quantisation the checkpoint must have (gptq, none); empty = whatever it holds. vLLM's spelling
     * {@code quantization} is read when this property is not set.
     */
    @WithDefault("${quantization:}")
    Optional<String> quantization();

    /**
     * How the model writes tool calls under tool_choice "auto", vLLM's {@code --tool-call-parser}: auto (read from the
     * chat template), hermes, llama3_json or mistral. vLLM's spelling {@code tool_call_parser} is read when this
     * property is not set.
     */
    @WithDefault("${tool_call_parser:auto}")
    String toolCallParser();

    /**
     * How a chat answer's thinking is told from its content, vLLM's {@code --reasoning-parser}: none (the default, as
     * vLLM: the whole answer is content), auto (from the chat template: none when it writes no {@code <think>}),
     * qwen3 or deepseek_r1. vLLM's spelling {@code reasoning_parser} is read when this property is not set.
     */
    @WithDefault("${reasoning_parser:none}")
    String reasoningParser();

    /** CPU threads of the forward pass: auto (one for a model under 64 MB of weights, else all cores), 0 = all cores, or N. */
    @WithDefault("auto")
    String threads();

    /**
     * vLLM's max_model_len: prompt + max_tokens must fit it; 0 = the model's max_position_embeddings. vLLM's spelling
     * {@code max_model_len} (or env MAX_MODEL_LEN) is read when this property is not set.
     */
    @WithDefault("${max_model_len:0}")
    int maxModelLen();

    /**
     * vLLM's gpu_memory_utilization, also read as {@code gpu_memory_utilization}: on the cuda backend the share (0, 1]
     * of the GPU's memory for weights, activations and KV cache, the cache getting what is left (then
     * {@code invariant.batching.kv-cache-tokens} is not used); refused on the cpu backend. Unset: the cache is sized in
     * tokens.
     */
    @WithDefault("${gpu_memory_utilization:}")
    Optional<String> gpuMemoryUtilization();

    /** Identifies this worker in completions; defaults to host name and process id. */
    Optional<String> workerId();

    Batching batching();

    TopicNames topics();

    Registry registry();

    Http http();

    Log log();

    Shutdown shutdown();

    /** The process whose exit stops this worker as SIGTERM would ({@code ExitWithParent}); the CLI passes its pid. */
    @WithName("parent.pid")
    Optional<Long> parentPid();

    Delivery delivery();

    Warmup warmup();

    Diagnostics diagnostics();

    /** Continuous-batching limits of the engine and the bound of requests admitted at once. */
    interface Batching {
        /** Sequences in one engine step at most. */
        @WithDefault("64")
        int maxBatch();

        /** Token budget of one step (decode tokens plus prefill chunks). */
        @WithDefault("2048")
        int maxTokensPerStep();

        /** Prompts are prefilled in chunks of at most this many tokens. */
        @WithDefault("512")
        int prefillChunk();

        /** Requests admitted (running or waiting in the engine) at most; intake pauses beyond it. */
        @WithDefault("256")
        int maxInFlight();

        @WithDefault("16")
        int kvBlockSize();

        @WithDefault("32768")
        int kvCacheTokens();

        @WithDefault("true")
        boolean prefixCaching();
    }

    /** Topic names; the defaults are the shared constants of {@link Topics}. */
    interface TopicNames {
        @WithDefault(Topics.REQUESTS)
        String requests();

        @WithDefault(Topics.COMPLETIONS)
        String completions();

        @WithDefault(Topics.CHUNKS)
        String chunks();

        @WithDefault(Topics.DLQ)
        String dlq();
    }

    /** The schema registry: root of its Confluent-compatible REST API. */
    interface Registry {
        @WithDefault("http://127.0.0.1:8081/apis/ccompat/v7")
        String url();

        /** Per-request timeout in milliseconds. */
        @WithDefault("10000")
        long timeoutMs();

        /** {@code user:password} for HTTP basic authentication at the registry; none when unset. */
        Optional<String> basicAuth();
    }

    /** The HTTP API. */
    interface Http {
        /** When set, {@code /v1/*} requires {@code Authorization: Bearer <key>} (health and metrics stay open). */
        Optional<String> apiKey();
    }

    /** What goes to the log. */
    interface Log {
        /** Prompt and completion text in the log (debugging only: they may be private). Off by default. */
        @WithDefault("false")
        boolean texts();
    }

    /** What consumers of the completions see under crashes (docs/guarantees.md). */
    interface Delivery {
        /** {@code at-least-once} (idempotent producer) or {@code exactly-once} (transactional consume → produce). */
        @WithDefault(DeliveryGuarantee.AT_LEAST_ONCE)
        String guarantee();
    }

    /** SIGTERM handling. */
    interface Shutdown {
        /**
         * From SIGTERM to exit at most: admitted requests finish within it or are handed back (their offsets stay
         * uncommitted, another worker of the group re-runs them); at its end the process exits regardless.
         */
        @WithDefault("30s")
        Duration gracePeriod();
    }

    /** What the worker adds to its records for measurements. */
    interface Diagnostics {
        /**
         * Every record produced carries {@code invariant-sent-ns}: the monotonic clock right before the send
         * ({@link dev.invariant.schemas.Topics#SENT_NANOS_HEADER}; bench-pipeline turns it on). Off by default.
         */
        @WithDefault("false")
        boolean sendStamp();
    }

    /**
     * Private requests run through the worker's per-request code at start-up, before it reports ready, so that the
     * first real requests find it compiled rather than interpreted (docs/benchmarks.md).
     */
    interface Warmup {
        /** How many; 0 = none. */
        @WithDefault("1000")
        int requests();

        /** Stops earlier once this much time has passed (a large model's steps are slower). */
        @WithDefault("3s")
        Duration maxDuration();
    }
}
