package dev.invariant.worker.kafka;

import dev.invariant.engine.Engine;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.MessageReader.Message;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.CompletionError;
import dev.invariant.schemas.EngineInfo;
import dev.invariant.schemas.EngineMapping;
import dev.invariant.schemas.Timings;
import dev.invariant.schemas.ToolCall;
import dev.invariant.schemas.Usage;
import dev.invariant.worker.engine.EngineService;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A GenerationResult as the Completion record every consumer reads. */
public final class CompletionMapper {
    /** Engine version as packaged (the jar manifest), or the build's version when run from classes. */
    public static final String ENGINE_VERSION = versionOf(Engine.class);

    private CompletionMapper() {
    }

    /**
     * @param params         the request's sampling parameters as the engine ran them (null when it never reached
     *                       the engine): on the record, anyone can re-execute the completion from it alone
     * @param prompt         the request's prompt, whose tool choice says which calls the text makes (null: none)
     * @param beforeEngineMs time from consuming the request to handing it to the engine; added to the engine's
     *                       queue, time-to-first-token and end-to-end times so they count from consumption
     */
    public static Completion toRecord(GenerationResult g, SamplingParams params, Prompt prompt, String requestModel,
                                      EngineService engine, double beforeEngineMs) {
        var t = g.timings();
        var b = Completion.newBuilder()
                .setRequestId(g.requestId())
                .setModel(requestModel == null || requestModel.isEmpty() ? engine.modelName() : requestModel)
                .setEngine(EngineInfo.newBuilder()
                        .setName("invariant")
                        .setVersion(ENGINE_VERSION)
                        .setBackend(engine.engine().backendDescription())
                        .setNumericsProfile(g.profile().wireName())
                        .build())
                .setPromptTokenIds(ints(g.promptTokenIds()))
                .setTokenIds(ints(g.tokenIds()))
                .setText(g.text())
                .setFinishReason(g.finishReason().wireName())
                .setFingerprint(g.fingerprint() == null || g.fingerprint().isEmpty() ? null : g.fingerprint())
                .setOutputHash(g.ok() ? g.outputHash() : null)
                .setSeed(g.ok() ? g.seed() : null)
                .setUsage(Usage.newBuilder()
                        .setPromptTokens(g.promptTokenIds().length)
                        .setCompletionTokens(g.outputs().isEmpty() ? g.tokenIds().length
                                : g.outputs().stream().mapToInt(o -> o.tokenIds().length).sum())
                        .build())
                .setTimings(Timings.newBuilder()
                        .setQueueMs(beforeEngineMs + t.queueMs())
                        .setPrefillMs(t.prefillMs())
                        .setDecodeMs(t.decodeMs())
                        .setE2eMs(beforeEngineMs + t.e2eMs())
                        .setTtftMs(g.ok() ? beforeEngineMs + t.ttftMs() : 0.0)
                        .build())
                .setBatchSizesSeen(List.copyOf(g.batchSizes()))
                .setWorkerId(engine.workerId())
                .setCreatedAt(Instant.now());
        if (params != null) b.setSampling(EngineMapping.record(params));
        b.setLogprobs(EngineMapping.logprobs(g.logprobs()));
        b.setPromptLogprobs(EngineMapping.logprobs(g.promptLogprobs()));
        if (!g.outputs().isEmpty()) {
            b.setOutputs(g.outputs().stream().map(o -> {
                Message m = message(engine, prompt, g.promptTokenIds(), o.text(), o.outputHash());
                return new dev.invariant.schemas.SequenceOutput(o.index(), ints(o.tokenIds()), o.text(),
                        o.finishReason().wireName(), o.outputHash(), o.cumulativeLogprob(),
                        EngineMapping.logprobs(o.logprobs()), toolCalls(m), reasoning(m), content(m, o.text()));
            }).toList());
        }
        if (g.ok()) {
            Message m = message(engine, prompt, g.promptTokenIds(), g.text(), g.outputHash());
            b.setToolCalls(toolCalls(m)).setReasoning(reasoning(m)).setContent(content(m, g.text()));
        }
        if (!g.ok()) {
            b.setError(CompletionError.newBuilder()
                    .setCode(g.error().code().name())
                    .setMessage(g.error().getMessage())
                    .build());
        }
        return b.build();
    }

    /** The assistant message a chat answer makes (docs/requests.md, Tool calling and Reasoning); null for others. */
    private static Message message(EngineService engine, Prompt prompt, int[] promptIds, String text, String hash) {
        return prompt instanceof Prompt.Chat ? engine.messages().read(prompt, promptIds, text, hash) : null;
    }

    /** Its calls; null without tools or calls. */
    private static List<ToolCall> toolCalls(Message m) {
        return m == null || !m.anyCalls() ? null
                : m.calls().stream().map(c -> new ToolCall(c.id(), c.name(), c.arguments())).toList();
    }

    private static String reasoning(Message m) {
        return m == null ? null : m.reasoning();
    }

    /** Its content where it is not the text itself ("" when only calls or thinking); null when it is. */
    private static String content(Message m, String text) {
        if (m == null || text.equals(m.content())) return null;
        return m.content() == null ? "" : m.content();
    }

    private static List<Integer> ints(int[] a) {
        // A loop, not a stream: on every request's path, and a stream's code is much larger for the same work.
        var out = new ArrayList<Integer>(a.length);
        for (int v : a) out.add(v);
        return out;
    }

    private static String versionOf(Class<?> c) {
        String v = c.getPackage() == null ? null : c.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }
}
