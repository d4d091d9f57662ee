package dev.invariant.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.Sampling;
import dev.invariant.schemas.SequenceOutput;
import dev.invariant.schemas.TokenLogprob;
import java.util.List;

/** A Completion record as JSON, with the same field names as {@code generate --format json}. */
final class CompletionJson {
    private CompletionJson() {
    }

    static ObjectNode of(Completion c) {
        ObjectNode o = ResultJson.MAPPER.createObjectNode();
        o.put("request_id", c.getRequestId());
        o.put("model", c.getModel());
        ArrayNode p = o.putArray("prompt_token_ids");
        c.getPromptTokenIds().forEach(p::add);
        ArrayNode t = o.putArray("token_ids");
        c.getTokenIds().forEach(t::add);
        o.put("text", c.getText());
        o.put("finish_reason", c.getFinishReason());
        o.put("fingerprint", c.getFingerprint());
        o.put("output_hash", c.getOutputHash());
        o.put("numerics_profile", c.getEngine().getNumericsProfile());
        o.put("engine", c.getEngine().getName() + " " + c.getEngine().getVersion() + " " + c.getEngine().getBackend());
        if (c.getSeed() != null) o.put("seed", c.getSeed());
        o.put("worker_id", c.getWorkerId());
        ObjectNode tm = o.putObject("timings");
        tm.put("queue_ms", c.getTimings().getQueueMs());
        tm.put("prefill_ms", c.getTimings().getPrefillMs());
        tm.put("decode_ms", c.getTimings().getDecodeMs());
        tm.put("e2e_ms", c.getTimings().getE2eMs());
        ArrayNode b = o.putArray("batch_sizes_seen");
        c.getBatchSizesSeen().forEach(b::add);
        o.putObject("usage").put("prompt_tokens", c.getUsage().getPromptTokens())
                .put("completion_tokens", c.getUsage().getCompletionTokens());
        if (c.getLogprobs() != null) logprobs(o, "logprobs", c.getLogprobs()); // the same shape as generate --format json
        if (c.getPromptLogprobs() != null) logprobs(o, "prompt_logprobs", c.getPromptLogprobs());
        if (c.getOutputs() != null) {
            ArrayNode outs = o.putArray("outputs");
            for (SequenceOutput s : c.getOutputs()) {
                ObjectNode so = outs.addObject().put("index", s.getIndex());
                s.getTokenIds().forEach(so.putArray("token_ids")::add);
                so.put("text", s.getText()).put("finish_reason", s.getFinishReason()).put("output_hash", s.getOutputHash())
                        .put("cumulative_logprob", s.getCumulativeLogprob());
                if (s.getLogprobs() != null) logprobs(so, "logprobs", s.getLogprobs());
            }
        }
        if (c.getToolCalls() != null) {
            ArrayNode calls = o.putArray("tool_calls");
            c.getToolCalls().forEach(tc -> calls.addObject().put("id", tc.getId()).put("name", tc.getName())
                    .put("arguments", tc.getArguments()));
        }
        if (c.getReasoning() != null) o.put("reasoning", c.getReasoning());
        if (c.getContent() != null) o.put("content", c.getContent());
        if (c.getSampling() != null) o.set("sampling", AvroJson.of(c.getSampling()));
        if (c.getError() != null) {
            ObjectNode e = o.putObject("error");
            e.put("code", c.getError().getCode());
            e.put("message", c.getError().getMessage());
        }
        return o;
    }

    private static void logprobs(ObjectNode o, String field, List<TokenLogprob> lps) {
        ArrayNode out = o.putArray(field);
        for (var lp : lps) {
            ArrayNode top = out.addObject().put("token_id", lp.getTokenId()).put("logprob", lp.getLogprob()).putArray("top");
            lp.getTop().forEach(a -> top.addObject().put("token_id", a.getTokenId()).put("logprob", a.getLogprob()));
        }
    }

    /**
     * A completion read back from {@link #of}'s JSON (what {@code consume --format json} prints), with what verifying
     * it needs (every output's tokens, text and hash, the sampling parameters); the engine's backend, the timings and
     * the log-probabilities are not read back.
     *
     * @throws IllegalArgumentException when a field it needs is missing or has the wrong type
     */
    static Completion parse(com.fasterxml.jackson.databind.JsonNode o) {
        for (String f : new String[] {"request_id", "model", "prompt_token_ids", "token_ids", "numerics_profile"}) {
            if (!o.hasNonNull(f)) throw new IllegalArgumentException("field " + f + " is missing");
        }
        String[] engine = o.path("engine").asText("").split(" ", 3);
        var b = Completion.newBuilder()
                .setRequestId(o.get("request_id").asText())
                .setModel(o.get("model").asText())
                .setEngine(dev.invariant.schemas.EngineInfo.newBuilder().setName(engine[0])
                        .setVersion(engine.length > 1 ? engine[1] : "").setBackend(engine.length > 2 ? engine[2] : "")
                        .setNumericsProfile(o.get("numerics_profile").asText()).build())
                .setPromptTokenIds(ints(o.get("prompt_token_ids")))
                .setTokenIds(ints(o.get("token_ids")))
                .setText(o.path("text").asText(""))
                .setFinishReason(o.hasNonNull("finish_reason") ? o.get("finish_reason").asText() : null)
                .setFingerprint(o.hasNonNull("fingerprint") ? o.get("fingerprint").asText() : null)
                .setOutputHash(o.hasNonNull("output_hash") ? o.get("output_hash").asText() : null)
                .setSeed(o.hasNonNull("seed") ? o.get("seed").asLong() : null)
                .setWorkerId(o.path("worker_id").asText(""))
                .setCreatedAt(java.time.Instant.now());
        if (o.hasNonNull("sampling")) b.setSampling(AvroJson.parse(o.get("sampling"), Sampling.newBuilder().build()));
        if (o.hasNonNull("outputs")) {
            var outs = new java.util.ArrayList<SequenceOutput>();
            for (var so : o.get("outputs")) {
                outs.add(SequenceOutput.newBuilder().setIndex(so.path("index").asInt()).setTokenIds(ints(so.path("token_ids")))
                        .setText(so.path("text").asText("")).setFinishReason(so.path("finish_reason").asText(""))
                        .setOutputHash(so.path("output_hash").asText("")).setCumulativeLogprob(
                                Float.parseFloat(so.path("cumulative_logprob").asText("0"))).build());
            }
            b.setOutputs(outs);
        }
        if (o.hasNonNull("error")) {
            b.setError(dev.invariant.schemas.CompletionError.newBuilder().setCode(o.path("error").path("code").asText(""))
                    .setMessage(o.path("error").path("message").asText("")).build());
        }
        return b.build();
    }

    private static java.util.List<Integer> ints(com.fasterxml.jackson.databind.JsonNode a) {
        if (!a.isArray()) throw new IllegalArgumentException("expected an array of token ids");
        var out = new java.util.ArrayList<Integer>(a.size());
        for (var v : a) {
            if (!v.canConvertToInt()) throw new IllegalArgumentException("token id " + v + " is not an int");
            out.add(v.asInt());
        }
        return out;
    }

    /** One human line: id, hash prefix, finish reason and the text (or the error). */
    static String line(Completion c) {
        if (c.getError() != null) {
            return c.getRequestId() + "  ERROR " + c.getError().getCode() + ": " + c.getError().getMessage();
        }
        String hash = c.getOutputHash() == null ? "-" : c.getOutputHash().substring(0, 12);
        return c.getRequestId() + "  " + hash + "  " + c.getFinishReason() + "  "
                + c.getText().replace("\n", "\\n");
    }
}
