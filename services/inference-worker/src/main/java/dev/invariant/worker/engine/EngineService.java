package dev.invariant.worker.engine;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.api.MessageReader;
import dev.invariant.engine.api.ReasoningParser;
import dev.invariant.engine.api.ToolCallFormat;
import dev.invariant.engine.identity.Fingerprint;
import dev.invariant.engine.text.ChatTemplate;
import dev.invariant.worker.config.EngineSettings;
import dev.invariant.worker.config.WorkerConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The one engine of this worker, loaded at start-up (a model that cannot be loaded stops the start with the
 * engine's message), and its admission bound. Closing drains: running and queued requests finish first.
 */
@Startup
@ApplicationScoped
public class EngineService {
    private static final Logger LOG = Logger.getLogger(EngineService.class);

    private final Engine engine;
    private final Admission admission;
    private final String modelName;
    private final Set<String> acceptedNames;
    private final String workerId;
    private final String systemFingerprint;
    private final MessageReader messages;
    private volatile boolean draining;

    public EngineService(WorkerConfig config) {
        EngineConfig ec = EngineSettings.of(config);
        ToolCallFormat configured = ToolCallFormat.of(config.toolCallParser()); // both refused before the model loads
        ReasoningParser reasoning = ReasoningParser.of(config.reasoningParser());
        WorkerConfig.Batching b = config.batching();
        long t0 = System.nanoTime();
        this.engine = Engine.open(ec, LOG::info);
        this.admission = new Admission(b.maxInFlight());
        this.modelName = config.servedModelName().orElseGet(() -> defaultName(config.model()));
        this.acceptedNames = Set.copyOf(new java.util.HashSet<>(java.util.List.of(modelName, config.model(),
                engine.model().id())));
        this.workerId = config.workerId().orElseGet(EngineService::defaultWorkerId);
        this.systemFingerprint = systemFingerprint(engine);
        ToolCallFormat calls = configured != null ? configured : engine.toolCallFormat();
        ReasoningParser thinking = reasoning != null ? reasoning : ReasoningParser.detect(
                engine.tokenizer().chatTemplate().map(ChatTemplate::source).orElse(null));
        this.messages = new MessageReader(calls, thinking, engine.tokenizer());
        LOG.infof("engine ready in %d ms: model %s (%s), %s, profile %s, tool-call parser %s%s, reasoning parser"
                        + " %s%s, worker %s", (System.nanoTime() - t0) / 1_000_000, modelName, config.model(),
                engine.backendDescription(), ec.profile().wireName(), calls.wireName(),
                configured != null ? "" : " (auto)", thinking.wireName(), reasoning != null ? "" : " (auto)", workerId);
    }

    public Engine engine() {
        return engine;
    }

    /**
     * The OpenAI API's {@code system_fingerprint}: what every fingerprint of this engine shares (weights, model
     * configuration, tokenizer, profile and contract version, KV cache dtype), equal on a CPU and a GPU worker
     * (docs/identity.md).
     */
    public String systemFingerprint() {
        return systemFingerprint;
    }

    public static String systemFingerprint(Engine e) {
        return Fingerprint.system(e.model().weightsDigest(), e.model().configDigest(), e.tokenizer().digest(),
                e.config().profile(), e.config().kvCacheDtype());
    }

    /**
     * How a chat answer's text is read into a message (its reasoning, content and tool calls): the configured parsers,
     * or those the model's chat template calls for.
     */
    public MessageReader messages() {
        return messages;
    }

    public Admission admission() {
        return admission;
    }

    /** The name this worker serves its model under (requests may also use the configured path or model id). */
    public String modelName() {
        return modelName;
    }

    /** Whether a request naming {@code name} is for this worker's model; an empty name means "whatever is served". */
    public boolean serves(String name) {
        return name == null || name.isEmpty() || acceptedNames.contains(name);
    }

    public String workerId() {
        return workerId;
    }

    public NumericsProfile profile() {
        return engine.config().profile();
    }

    public boolean draining() {
        return draining;
    }

    /** Stops admitting, lets every admitted request finish, then releases the engine. */
    public void drain() {
        if (draining) return;
        draining = true;
        admission.close();
        LOG.infof("draining: %d requests in flight", admission.inFlight());
        engine.close();
        LOG.info("engine drained and closed");
    }

    @PreDestroy
    void destroy() {
        drain();
    }

    private static String defaultName(String model) {
        if (model.startsWith("synthetic:") || model.contains("@")) return model;
        Path p = Path.of(model).normalize();
        Path last = p.getFileName();
        return last == null ? model : last.toString();
    }

    private static String defaultWorkerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
