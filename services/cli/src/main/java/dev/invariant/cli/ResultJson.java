package dev.invariant.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.SequenceOutput;
import dev.invariant.engine.api.TokenLogprob;
import java.util.List;

/** The JSON form of a result: the field names other tools read (snake_case, as vLLM and OpenAI use). */
final class ResultJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private ResultJson() {
    }

    static ObjectNode of(GenerationResult r, String model) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("request_id", r.requestId());
        o.put("model", model);
        ints(o.putArray("prompt_token_ids"), r.promptTokenIds());
        ints(o.putArray("token_ids"), r.tokenIds());
        o.put("text", r.text());
        o.put("finish_reason", r.finishReason().wireName());
        o.put("fingerprint", r.fingerprint());
        o.put("output_hash", r.outputHash());
        o.put("numerics_profile", r.profile().wireName());
        o.put("seed", r.seed());
        ObjectNode usage = o.putObject("usage");
        usage.put("prompt_tokens", r.promptTokenIds().length);
        usage.put("completion_tokens", r.tokenIds().length);
        ObjectNode t = o.putObject("timings");
        t.put("queue_ms", r.timings().queueMs());
        t.put("prefill_ms", r.timings().prefillMs());
        t.put("decode_ms", r.timings().decodeMs());
        t.put("ttft_ms", r.timings().ttftMs());
        t.put("e2e_ms", r.timings().e2eMs());
        ArrayNode sizes = o.putArray("batch_sizes_seen");
        r.batchSizes().forEach(sizes::add);
        if (!r.logprobs().isEmpty()) logprobs(o.putArray("logprobs"), r.logprobs());
        // entry i is prompt token i + 1's: the first token has no context
        if (!r.promptLogprobs().isEmpty()) logprobs(o.putArray("prompt_logprobs"), r.promptLogprobs());
        if (!r.outputs().isEmpty()) {
            ArrayNode outs = o.putArray("outputs");
            for (SequenceOutput s : r.outputs()) {
                ObjectNode x = outs.addObject().put("index", s.index());
                ints(x.putArray("token_ids"), s.tokenIds());
                x.put("text", s.text()).put("finish_reason", s.finishReason().wireName())
                        .put("output_hash", s.outputHash()).put("cumulative_logprob", s.cumulativeLogprob());
                if (!s.logprobs().isEmpty()) logprobs(x.putArray("logprobs"), s.logprobs());
            }
        }
        if (r.error() != null) {
            ObjectNode e = o.putObject("error");
            e.put("code", r.error().code().name());
            e.put("message", r.error().getMessage());
        }
        return o;
    }

    private static void logprobs(ArrayNode lps, List<TokenLogprob> list) {
        for (TokenLogprob lp : list) {
            ArrayNode top = lps.addObject().put("token_id", lp.tokenId()).put("logprob", lp.logprob()).putArray("top");
            lp.top().forEach(a -> top.addObject().put("token_id", a.tokenId()).put("logprob", a.logprob()));
        }
    }

    private static void ints(ArrayNode a, int[] v) {
        for (int x : v) a.add(x);
    }
}
