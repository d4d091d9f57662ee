package dev.invariant.worker.openai;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.ReasoningParser;
import dev.invariant.engine.api.SequenceOutput;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.api.ToolCallStream;
import dev.invariant.worker.engine.Generations;
import dev.invariant.worker.openai.OpenAiResponses.Answer;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One streamed answer as server-sent events in OpenAI's shape, for one or more prompts of n choices each: prompt p's
 * choice j (sample j, or beam j) is {@code index} p × n + j. Each choice first gets its echoed prompt (completions
 * with {@code echo}), then a {@code data:} event per text delta as its tokens come, the choices' events interleaved,
 * each carrying the log-probabilities of the tokens it completes. When a prompt's result comes, each of its choices
 * gets a last event: the rest of its text, the finish reason and the per-choice fields of the whole answer. A beam
 * search streams nothing while it searches (its beams are known only at the end): each beam is that one last event,
 * whole. After every prompt's last events, the usage chunk (summed over every choice) when
 * {@code stream_options.include_usage} asks for it, then {@code data: [DONE]}. The engine thread only enqueues; the
 * HTTP worker thread writes, so a slow client never slows the engine.
 */
final class SseStream implements StreamingOutput {
    private final Answer answer;
    /** Per prompt: the text its choices echo ("" without echo). */
    private final List<String> echoes;
    private final int n;
    private final boolean beams;
    // Bounded by the requests' max_tokens: one entry per generated token plus one per prompt.
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    /** Per choice, 1 once it has a token or its prompt's result; {@link #unstarted} counts those still at 0. */
    private final AtomicIntegerArray started;
    private final AtomicInteger unstarted;
    /**
     * Completes, with null, once every choice has its first token or its prompt's result; with the error of a prompt
     * that fails before that. Until then nothing is sent: a part refused while another already has tokens (the engine
     * may admit the prompts, or a prompt's samples, in different steps) still makes the whole answer an HTTP error.
     */
    private final CompletableFuture<EngineException> start = new CompletableFuture<>();
    /** Per prompt, its tokens' log-probabilities once the engine gives them (echo with logprobs only). */
    private final AtomicReferenceArray<Prompted> prompted;

    private record Prompted(int[] ids, List<TokenLogprob> entries) {
    }

    private record Token(int choice, String delta, TokenLogprob logprob, int id) {
    }

    /** Whether choice {@code choice}'s prompt leaves a thinking block open (only when reasoning is split out). */
    private record Start(int choice, boolean opens, int[] promptIds) {
    }

    private record Done(int prompt, GenerationResult result) {
    }

    /**
     * @param beams the requests' tokens are not streamed, each choice is sent whole at the end: beam searches, and
     *              echo's prompt-only answers (max_tokens 0)
     */
    SseStream(Answer answer, List<String> echoes, int n, boolean beams) {
        this.answer = answer;
        this.echoes = List.copyOf(echoes);
        this.n = n;
        this.beams = beams;
        this.started = new AtomicIntegerArray(echoes.size() * n);
        this.unstarted = new AtomicInteger(echoes.size() * n);
        this.prompted = new AtomicReferenceArray<>(echoes.size());
    }

    /** Prompt p's listener: sample j's tokens go to choice p × n + j. A beam search's: none. */
    TokenListener listener(int p) {
        return beams ? TokenListener.NONE : new Choice(p * n, p * n);
    }

    /** The listener of one choice; {@link #forSample} gives its prompt's other choices theirs. */
    private final class Choice implements TokenListener {
        private final int base;
        private final int index;

        Choice(int base, int index) {
            this.base = base;
            this.index = index;
        }

        @Override
        public void onToken(String requestId, int position, int tokenId, String textDelta) {
            onToken(requestId, position, tokenId, textDelta, null);
        }

        @Override
        public void onToken(String requestId, int position, int tokenId, String textDelta, TokenLogprob logprob) {
            // A token without text (held back, or part of a character) still has a log-probability to deliver.
            if (!textDelta.isEmpty() || logprob != null || answer.countsTokens()) {
                events.add(new Token(index, textDelta, logprob, tokenId));
            }
            started(index);
        }

        @Override
        public void onStart(String requestId, int[] promptIds) {
            if (answer.splitsReasoning() || answer.countsTokens()) {
                events.add(new Start(index, answer.splitsReasoning() && answer.messages().opens(promptIds), promptIds));
            }
        }

        @Override
        public void onPromptLogprobs(String requestId, int[] promptIds, List<TokenLogprob> entries) {
            prompted.set(base / n, new Prompted(promptIds, entries));
        }

        @Override
        public TokenListener forSample(int i) {
            return new Choice(base, base + i);
        }
    }

    /** The requests as submitted: cancelled when the client goes away while the stream is written. */
    private volatile List<CompletableFuture<Generations.Finished>> submitted = List.of();

    /**
     * The HTTP answer to the prompts' runs (in prompt order): the stream once every choice has begun, or the HTTP
     * error of a part the engine refuses before then (the context rule, an empty prompt, ...), as OpenAI and vLLM
     * answer, rather than a 200 stream carrying an error event. {@code submitted}: the runs to cancel if the client
     * goes away while the stream is written ({@link ClientGone}).
     */
    CompletionStage<Response> answer(List<CompletableFuture<Generations.Finished>> runs,
                                      List<CompletableFuture<Generations.Finished>> submitted) {
        this.submitted = submitted;
        for (int p = 0; p < runs.size(); p++) {
            int prompt = p;
            runs.get(p).whenComplete((f, e) -> finish(prompt, f != null ? f.result() : GenerationResult.failed(
                    answer.id(), null, new EngineException(ErrorCode.INTERNAL, "the answer failed: " + e, e))));
        }
        return start.thenApply(error -> error != null ? OpenAiErrors.of(error)
                : Response.ok(this).type("text/event-stream").header("Cache-Control", "no-cache").build());
    }

    /** Prompt p's result, on the thread that completes it. */
    private void finish(int p, GenerationResult g) {
        events.add(new Done(p, g));
        if (!g.ok()) {
            start.complete(g.error());
            return;
        }
        for (int j = 0; j < n; j++) started(p * n + j);
    }

    private void started(int choice) {
        if (started.compareAndSet(choice, 0, 1) && unstarted.decrementAndGet() == 0) start.complete(null);
    }

    /**
     * Choice c's echo chunk, once: the prompt's text and, with echo's logprobs, the prompt's tokens listed as the whole
     * answer lists them ({@link OpenAiLogprobs#echoed}), from the engine's entries (given before the first token) or,
     * for a choice that streams no tokens (beams, prompt-only answers), from its prompt's result.
     */
    private void echo(OutputStream out, int c, SentChoice s, GenerationResult result) throws IOException {
        String echo = echoes.get(c / n);
        if (s.echoed || echo.isEmpty()) {
            s.echoed = true;
            return;
        }
        if (answer.echoLogprobs() < 0) {
            send(out, OpenAiResponses.delta(answer, c, echo, true, List.of(), 0).toString());
            s.offset = echo.length();
        } else {
            Prompted p = prompted.get(c / n);
            if (p == null && result == null) return;  // a beam's or prompt-only choice: at its prompt's result
            if (p == null) p = new Prompted(result.promptTokenIds(), result.promptLogprobs());
            var listing = OpenAiLogprobs.echoed(p.ids, p.entries, answer.echoLogprobs(), List.of(),
                    answer.tokenText());
            send(out, OpenAiResponses.withLogprobs(OpenAiResponses.delta(answer, c, echo, true, List.of(), 0),
                    listing).toString());
            s.offset = OpenAiLogprobs.endOffset(listing);
        }
        s.anySent = true;
        s.echoed = true;
    }

    @Override
    public void write(OutputStream out) throws IOException {
        ClientGone.cancelsOnClose(submitted);
        SentChoice[] sent = new SentChoice[echoes.size() * n];
        for (int c = 0; c < sent.length; c++) {
            sent[c] = new SentChoice(new StreamedSplit(answer.splitsReasoning() ? answer.messages().reasoning()
                    : ReasoningParser.NONE, !answer.callsTools() ? null
                    : text -> ToolCallStream.certain(answer.messages().toolCalls(), answer.tools(), text)));
            echo(out, c, sent[c], null);
        }
        GenerationResult[] results = new GenerationResult[echoes.size()];
        for (int left = results.length; left > 0; ) {
            Object e = next(events);
            if (e == null) return;
            if (e instanceof Start st) {
                sent[st.choice].split.opens(st.opens);
                sent[st.choice].prompt(st.promptIds);
                continue;
            }
            if (e instanceof Token t) {
                SentChoice s = sent[t.choice];
                echo(out, t.choice, s, null);
                if (t.logprob != null) s.pending.add(t.logprob);
                if (answer.countsTokens()) s.token(t.id);
                if (t.delta.isEmpty()) continue;
                var parts = s.split.add(t.delta);
                // a tag's start, held back; or reasoning the request leaves off (its log-probabilities wait)
                if ((parts.reasoning().isEmpty() || !answer.includeReasoning()) && parts.content().isEmpty()) continue;
                send(out, s.owed(answer, OpenAiResponses.delta(answer, t.choice, parts.reasoning(), parts.content(),
                        !s.anySent, List.copyOf(s.pending), s.advance(s.pending, answer.tokenText())), null, null)
                        .toString());
                s.pending.clear();
                s.anySent = true;
                continue;
            }
            Done d = (Done) e;
            if (!d.result.ok()) {
                send(out, OpenAiErrors.body(d.result.error()).toString());
                send(out, "[DONE]");
                return;
            }
            results[d.prompt] = d.result;
            left--;
            for (SequenceOutput o : OpenAiResponses.outputs(d.result)) {
                last(out, d.prompt * n + o.index(), sent, d.result, o);
            }
        }
        if (answer.includeUsage()) send(out, OpenAiResponses.usageChunk(answer, Arrays.asList(results)).toString());
        send(out, "[DONE]");
    }

    /**
     * Choice c's last event: what its deltas have not sent yet of its message's reasoning and content (a beam: all of
     * it), and how it ended.
     */
    private void last(OutputStream out, int c, SentChoice[] sent, GenerationResult g, SequenceOutput o)
            throws IOException {
        SentChoice s = sent[c];
        echo(out, c, s, g);
        var m = answer.message(g, o);
        var rest = s.split.rest(m.reasoning(), m.content());
        List<TokenLogprob> lps = beams ? o.logprobs() : List.copyOf(s.pending);
        send(out, s.owed(answer, OpenAiResponses.last(answer, c, rest.reasoning(), rest.content(), !s.anySent, lps,
                s.advance(lps, answer.tokenText()), g, o, m), beams ? o.tokenIds() : null, g.promptTokenIds())
                .toString());
    }

    /** The queue's next event, waiting for it; null when the writing thread is interrupted (its flag set again). */
    static Object next(LinkedBlockingQueue<Object> events) {
        try {
            return events.take();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static void send(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
