package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.JsonTools;
import dev.invariant.engine.api.MessageReader;
import dev.invariant.engine.api.MessageReader.Message;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.text.ToolCall;
import dev.invariant.engine.api.SequenceOutput;
import dev.invariant.engine.api.TokenLogprob;
import java.util.List;
import java.util.function.IntFunction;

/**
 * OpenAI response bodies. Each choice carries two fields OpenAI does not have: {@code fingerprint} (SHA-256 of
 * everything that determines the output) and {@code output_hash} (SHA-256 of the output token ids).
 */
public final class OpenAiResponses {
    static final ObjectMapper JSON = new ObjectMapper();

    private OpenAiResponses() {
    }

    /** Which endpoint a response belongs to: they differ in object names and in how text is carried. */
    public enum Kind {
        COMPLETION("text_completion", "text_completion"),
        CHAT("chat.completion", "chat.completion.chunk");

        final String object;
        final String chunkObject;

        Kind(String object, String chunkObject) {
            this.object = object;
            this.chunkObject = chunkObject;
        }
    }

    /**
     * What every body of one answer shares.
     *
     * @param tokenText      a token id's text, for log-probabilities
     * @param echoLogprobs   completions' echo with logprobs N: the logprobs list the prompt's tokens first, each
     *                       with N alternatives; -1 otherwise
     * @param promptLogprobs vLLM's prompt_logprobs N ({@link OpenAiPrompts#vllm}): per choice on completions, at the
     *                       top level on chat; -1 when not asked for
     * @param prompt         the (first) request's prompt: a chat's tool choice says which calls each choice's text
     *                       makes
     * @param messages       how the worker reads a chat choice's text into its message: reasoning, content, calls
     * @param includeReasoning whether the reasoning read out of a choice is shown (vLLM's include_reasoning)
     * @param returnTokenIds   vLLM's return_token_ids: the prompt's token ids (per choice on completions, at the top
     *                         level on chat) and each choice's {@code token_ids}, streamed as each chunk's own
     * @param continuousUsage  vLLM's continuous_usage_stats: each streamed chunk has its choice's usage so far
     */
    record Answer(Kind kind, String id, String model, String systemFingerprint, long created, boolean logprobs,
                  boolean includeUsage, IntFunction<String> tokenText, int echoLogprobs, int promptLogprobs,
                  Prompt prompt, MessageReader messages, boolean includeReasoning, boolean returnTokenIds,
                  boolean continuousUsage) {
        /** Whether a stream follows every token and the prompt's ids (for token ids or usage so far). */
        boolean countsTokens() {
            return returnTokenIds || continuousUsage;
        }

        /** The chat's tool choice; none for a completions prompt. */
        JsonTools.Choice tools() {
            return MessageReader.toolChoice(prompt);
        }

        /** Whether choices are read for tool calls, and so streamed whole (a call is known only at its end). */
        boolean callsTools() {
            return MessageReader.readsCalls(prompt);
        }

        /** Whether a chat's choices are split into reasoning and content (the worker has a reasoning parser). */
        boolean splitsReasoning() {
            return kind == Kind.CHAT && messages.splitsReasoning();
        }

        /** The message choice {@code o} of result {@code g} makes. */
        Message message(GenerationResult g, SequenceOutput o) {
            return messages.read(prompt, g.promptTokenIds(), o.text(), o.outputHash());
        }
    }

    /**
     * The whole answer; {@code prefix} is the echoed prompt text ("" without echo). A beam search's n outputs are
     * {@code choices[0..n)}, best first, each with its own output hash and its {@code cumulative_logprob}.
     */
    static ObjectNode full(Answer a, GenerationResult g, String prefix) {
        ObjectNode root = header(a, a.kind.object);
        ArrayNode choices = root.putArray("choices");
        for (SequenceOutput o : outputs(g)) {
            ObjectNode choice = choices.addObject().put("index", o.index());
            Message m = a.message(g, o);
            if (a.kind == Kind.CHAT) {
                message(a, choice.putObject("message").put("role", "assistant"), m, false);
            } else {
                choice.put("text", prefix + o.text());
            }
            if (a.echoLogprobs >= 0) {
                choice.set("logprobs", OpenAiLogprobs.echoed(g.promptTokenIds(), g.promptLogprobs(), a.echoLogprobs,
                        o.logprobs(), a.tokenText));
            } else {
                logprobs(a, choice, o.logprobs(), prefix.length());
            }
            identity(a, choice, g, o, m);
            if (a.returnTokenIds) withTokenIds(a, root, choice, g.promptTokenIds(), o.tokenIds());
            if (a.kind == Kind.COMPLETION && a.promptLogprobs >= 0) {
                choice.set("prompt_logprobs", OpenAiPrompts.vllm(g, a.promptLogprobs, a.tokenText));
            }
        }
        root.set("usage", usage(a, List.of(g)));
        if (a.kind == Kind.CHAT && a.promptLogprobs >= 0) {
            root.set("prompt_logprobs", OpenAiPrompts.vllm(g, a.promptLogprobs, a.tokenText));
        }
        return root;
    }

    /** A result's outputs: a beam search's or n samples' {@code outputs()}, else the one the top-level fields hold. */
    static List<SequenceOutput> outputs(GenerationResult g) {
        return g.outputs().isEmpty()
                ? List.of(new SequenceOutput(0, g.tokenIds(), g.text(), g.finishReason(), g.outputHash(), 0f,
                        g.logprobs()))
                : g.outputs();
    }

    /**
     * A streamed delta of choice {@code index}: {@code text} and the log-probabilities of the tokens it completes;
     * {@code first} (the choice's first chunk) adds the assistant role to a chat delta. {@code offset} is where the
     * text starts in the choice's whole text.
     */
    static ObjectNode delta(Answer a, int index, String text, boolean first, List<TokenLogprob> lps, int offset) {
        return delta(a, index, "", text, first, lps, offset);
    }

    /**
     * A streamed delta whose text is {@code reasoning} then {@code text} (content): a chat delta carries the first as
     * {@code reasoning} (and vLLM's former name {@code reasoning_content}) when there is any, and the content when
     * there is any or no reasoning.
     */
    static ObjectNode delta(Answer a, int index, String reasoning, String text, boolean first, List<TokenLogprob> lps,
                            int offset) {
        ObjectNode root = header(a, a.kind.chunkObject);
        ObjectNode choice = root.putArray("choices").addObject().put("index", index);
        if (a.kind == Kind.CHAT) {
            ObjectNode d = choice.putObject("delta");
            if (first) d.put("role", "assistant");
            if (!a.includeReasoning) reasoning = ""; // read out of the text, not shown
            if (!reasoning.isEmpty()) d.put("reasoning", reasoning).put("reasoning_content", reasoning);
            if (reasoning.isEmpty() || !text.isEmpty()) d.put("content", text);
        } else {
            choice.put("text", text);
        }
        logprobs(a, choice, lps, offset);
        choice.putNull("finish_reason");
        if (a.includeUsage) root.putNull("usage");
        return root;
    }

    /**
     * vLLM's return_token_ids on an answer or a one-choice chunk: the choice's {@code token_ids} (a chunk's: the
     * tokens it completes) and, where {@code prompt} is given, the prompt's ids (a chat's at the top level).
     */
    static ObjectNode withTokenIds(Answer a, ObjectNode root, ObjectNode choice, int[] prompt, int[] tokens) {
        if (prompt != null) (a.kind == Kind.CHAT ? root : choice).set("prompt_token_ids", ids(prompt));
        choice.set("token_ids", ids(tokens));
        return root;
    }

    /** vLLM's continuous usage on a chunk: its choice's prompt and completion tokens so far. */
    static ObjectNode withUsage(ObjectNode chunk, int promptTokens, int completionTokens) {
        chunk.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
        return chunk;
    }

    /** {@link #withTokenIds} on a one-choice chunk. */
    static ObjectNode withTokenIds(Answer a, ObjectNode chunk, int[] prompt, int[] tokens) {
        return withTokenIds(a, chunk, (ObjectNode) chunk.get("choices").get(0), prompt, tokens);
    }

    private static ArrayNode ids(int[] ids) {
        ArrayNode out = JSON.createArrayNode();
        for (int id : ids) out.add(id);
        return out;
    }

    /** A one-choice chunk whose choice's {@code logprobs} is {@code listing} (an echo chunk listing its prompt). */
    static ObjectNode withLogprobs(ObjectNode chunk, ObjectNode listing) {
        ((ObjectNode) chunk.get("choices").get(0)).set("logprobs", listing);
        return chunk;
    }

    /**
     * Choice {@code index}'s last delta: the rest of output {@code o} of result {@code g} (its reasoning's and its
     * content's, {@code m} being the message it makes), with the finish reason and the per-choice fields {@link #full}
     * gives it. A choice with tools came whole: its delta is the whole message.
     */
    static ObjectNode last(Answer a, int index, String restReasoning, String rest, boolean first,
                           List<TokenLogprob> lps, int offset, GenerationResult g, SequenceOutput o, Message m) {
        ObjectNode root = delta(a, index, restReasoning, rest, first, lps, offset);
        ObjectNode choice = (ObjectNode) root.get("choices").get(0);
        ObjectNode delta = (ObjectNode) choice.get("delta");
        if (a.callsTools() && first) message(a, delta, m, true); // the choice comes whole in this chunk
        else if (a.callsTools()) calls(delta, m, true); // its text came before: the calls are what is left
        identity(a, choice, g, o, m);
        return root;
    }

    /**
     * Several prompts' answers as one, OpenAI's batch form: prompt p's choices follow prompt p - 1's, choice j of
     * prompt p at index p × n + j, with its own echo; the usage sums every prompt's.
     */
    static ObjectNode batch(Answer a, List<GenerationResult> results, List<String> prefixes) {
        ObjectNode root = null;
        for (int p = 0; p < results.size(); p++) {
            ObjectNode one = full(a, results.get(p), prefixes.get(p));
            ArrayNode choices = (ArrayNode) one.get("choices");
            for (JsonNode c : choices) ((ObjectNode) c).put("index", p * choices.size() + c.get("index").asInt());
            if (root == null) root = one;
            else ((ArrayNode) root.get("choices")).addAll(choices);
        }
        root.set("usage", usage(a, results));
        return root;
    }

    /**
     * {@code stream_options.include_usage}: a chunk after the last one, with no choices and the usage of every
     * prompt's every choice.
     */
    static ObjectNode usageChunk(Answer a, List<GenerationResult> results) {
        ObjectNode root = header(a, a.kind.chunkObject);
        root.putArray("choices");
        root.set("usage", usage(a, results));
        return root;
    }

    private static void logprobs(Answer a, ObjectNode choice, List<TokenLogprob> lps, int offset) {
        if (a.logprobs) choice.set("logprobs", OpenAiLogprobs.of(a.kind, lps, a.tokenText, offset));
        else choice.putNull("logprobs");
    }

    private static ObjectNode header(Answer a, String object) {
        return JSON.createObjectNode().put("id", a.id).put("object", object).put("created", a.created)
                .put("model", a.model).put("system_fingerprint", a.systemFingerprint);
    }

    /**
     * A chat choice's message (or a streamed choice's last delta, whose text came whole: {@link Answer#callsTools}):
     * the reasoning (as {@code reasoning} and vLLM's former {@code reasoning_content}) when the worker splits it out,
     * the content, and the calls when the request has tools.
     */
    private static void message(Answer a, ObjectNode node, Message m, boolean streamed) {
        if (a.splitsReasoning()) {
            String shown = a.includeReasoning ? m.reasoning() : null;
            node.put("reasoning", shown).put("reasoning_content", shown);
        }
        node.put("content", m.content());
        calls(node, m, streamed);
    }

    /** The message's calls, when it has any ({@code index} on each when streamed). */
    private static void calls(ObjectNode node, Message m, boolean streamed) {
        if (!m.anyCalls()) return;
        ArrayNode calls = node.putArray("tool_calls");
        for (int i = 0; i < m.calls().size(); i++) {
            ToolCall c = m.calls().get(i);
            ObjectNode call = calls.addObject();
            if (streamed) call.put("index", i);
            call.put("id", c.id()).put("type", "function");
            call.putObject("function").put("name", c.name()).put("arguments", c.arguments());
        }
    }

    /** What ends a choice, streamed or not: finish reason, the request's fingerprint, the output's hash. */
    private static void identity(Answer a, ObjectNode choice, GenerationResult g, SequenceOutput o, Message m) {
        String reason = MessageReader.finishReason(a.tools(), m, o.finishReason().wireName());
        choice.put("finish_reason", reason).put("fingerprint", g.fingerprint())
                .put("output_hash", o.outputHash());
        if (!g.outputs().isEmpty()) choice.put("cumulative_logprob", o.cumulativeLogprob());
    }

    /**
     * Prompt tokens of every prompt, completion tokens of every output of every prompt; with a reasoning parser, as
     * vLLM, {@code completion_tokens_details.reasoning_tokens}: how many of them were thinking
     * ({@link MessageReader#reasoningTokens}).
     */
    private static ObjectNode usage(Answer a, List<GenerationResult> results) {
        int p = 0;
        int c = 0;
        int thinking = 0;
        for (GenerationResult g : results) {
            p += g.promptTokenIds().length;
            for (SequenceOutput o : outputs(g)) {
                c += o.tokenIds().length;
                if (a.splitsReasoning()) thinking += a.messages.reasoningTokens(a.message(g, o), o.tokenIds());
            }
        }
        ObjectNode usage = JSON.createObjectNode().put("prompt_tokens", p).put("completion_tokens", c)
                .put("total_tokens", p + c);
        if (a.splitsReasoning()) usage.putObject("completion_tokens_details").put("reasoning_tokens", thinking);
        return usage;
    }
}
