package dev.invariant.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.SamplingParams.EarlyStopping;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Avro Sampling record as the engine's parameters: beam search's fields, their defaults and their checks. */
class EngineMappingTest {
    @Test
    void beamSearchFieldsMapByName() {
        SamplingParams p = EngineMapping.sampling(Sampling.newBuilder().setUseBeamSearch(true).setN(2).setBestOf(4)
                .setLengthPenalty(0.5f).setEarlyStopping("never").setStop(List.of("Observation:")).setSeed(0L)
                .build());
        assertTrue(p.useBeamSearch());
        assertEquals(2, p.n());
        assertEquals(4, p.beamWidth());
        assertEquals(0.5f, p.lengthPenalty());
        assertEquals(EarlyStopping.NEVER, p.earlyStopping());
    }

    @Test
    void theDefaultsAreOneOutputWithoutBeams() {
        SamplingParams p = EngineMapping.sampling(Sampling.newBuilder().build());
        assertFalse(p.useBeamSearch());
        assertEquals(1, p.n());
        assertEquals(1, p.beamWidth());
        assertEquals(EarlyStopping.FALSE, p.earlyStopping());
    }

    @Test
    void aBadValueNamesTheField() {
        assertEquals("early_stopping", assertThrows(EngineException.class, () -> EngineMapping.sampling(
                Sampling.newBuilder().setUseBeamSearch(true).setEarlyStopping("soon").build())).param());
        assertEquals("n", assertThrows(EngineException.class, () -> EngineMapping.sampling(
                Sampling.newBuilder().setN(0).build())).param());
        assertEquals("best_of", assertThrows(EngineException.class, () -> EngineMapping.sampling(
                Sampling.newBuilder().setN(3).setBestOf(4).build())).param());
        assertEquals(3, EngineMapping.sampling(Sampling.newBuilder().setN(3).build()).n(), "n samples without beams");
    }

    @Test
    void aRecordOfTheParametersMapsBackToThem() {
        Sampling s = Sampling.newBuilder().setTemperature(0.7f).setTopK(40).setTopP(0.9f).setMinP(0.05f)
                .setRepetitionPenalty(1.1f).setPresencePenalty(0.5f).setFrequencyPenalty(-0.5f).setMaxTokens(99)
                .setSeed(7L).setStop(List.of("Observation:", "\n\n")).setStopTokenIds(List.of(2, 5))
                .setIgnoreEos(true).build();
        assertEquals(s, EngineMapping.record(EngineMapping.sampling(s)));
        Sampling beams = Sampling.newBuilder().setUseBeamSearch(true).setN(2).setBestOf(4).setLengthPenalty(0.5f)
                .setEarlyStopping("never").build();
        assertEquals(beams, EngineMapping.record(EngineMapping.sampling(beams)));
        assertEquals(EngineMapping.sampling(s), EngineMapping.sampling(EngineMapping.record(EngineMapping.sampling(s))));
    }

    @Test
    void textFieldsMapByNameAndBack() {
        Sampling s = Sampling.newBuilder().setIncludeStopStrInOutput(true).setSkipSpecialTokens(false).build();
        SamplingParams p = EngineMapping.sampling(s);
        assertTrue(p.includeStopStrInOutput());
        assertFalse(p.skipSpecialTokens());
        assertEquals(p, EngineMapping.sampling(EngineMapping.record(p)));
        Sampling none = Sampling.newBuilder().build();
        assertFalse(none.getIncludeStopStrInOutput(), "vLLM's default");
        assertTrue(none.getSkipSpecialTokens(), "vLLM's default");
    }

    @Test
    void logitBiasMinTokensAndAllowedIdsMapByNameAndBack() {
        Sampling s = Sampling.newBuilder().setLogitBias(Map.of("50256", -100f, "13", 0.1f)).setMinTokens(4)
                .setMaxTokens(20).setAllowedTokenIds(List.of(13, 9, 50256)).build();
        SamplingParams p = EngineMapping.sampling(s);
        assertEquals(Map.of(13, 0.1f, 50256, -100f), p.logitBias());
        assertEquals(4, p.minTokens());
        assertEquals(List.of(13, 9, 50256), p.allowedTokenIds());
        assertEquals(p, EngineMapping.sampling(EngineMapping.record(p)));
        assertEquals(Map.of("13", 0.1f, "50256", -100f), EngineMapping.record(p).getLogitBias());
        Sampling none = Sampling.newBuilder().build();
        assertEquals(Map.of(), none.getLogitBias(), "default: no bias");
        assertEquals(0, none.getMinTokens());
        assertEquals(null, none.getAllowedTokenIds());
        assertEquals(none, EngineMapping.record(EngineMapping.sampling(none)));
        assertEquals("logit_bias", assertThrows(EngineException.class, () -> EngineMapping.sampling(
                Sampling.newBuilder().setLogitBias(Map.of("x1", 1f)).build())).param());
        assertEquals("logit_bias", assertThrows(EngineException.class, () -> EngineMapping.sampling(
                Sampling.newBuilder().setLogitBias(Map.of("1", Float.NaN)).build())).param());
        assertEquals("min_tokens", assertThrows(EngineException.class, () -> EngineMapping.sampling(
                Sampling.newBuilder().setMinTokens(17).build())).param());
        assertEquals("allowed_token_ids", assertThrows(EngineException.class, () -> EngineMapping.sampling(
                Sampling.newBuilder().setAllowedTokenIds(List.of()).build())).param());
    }

    @Test
    void structuredOutputsMapByKindAndCanonicalSpec() {
        Sampling s = Sampling.newBuilder().setStructuredOutput(dev.invariant.schemas.StructuredOutput.newBuilder()
                .setKind("json").setSpec("{\"type\": \"object\", \"properties\": {\"b\": {\"type\": \"integer\"},"
                        + " \"a\": {\"type\": \"null\"}}}").build()).build();
        SamplingParams p = EngineMapping.sampling(s);
        assertEquals("{\"properties\":{\"b\":{\"type\":\"integer\"},\"a\":{\"type\":\"null\"}},\"type\":\"object\"}",
                p.structuredOutput().spec(), "canonical: keys sorted, properties in their order");
        assertEquals(p, EngineMapping.sampling(EngineMapping.record(p)));
        assertEquals(null, Sampling.newBuilder().build().getStructuredOutput(), "default: none");
        for (String kind : List.of("choice", "regex", "json_object")) {
            String spec = switch (kind) {
                case "choice" -> "[\"yes\",\"no\"]";
                case "regex" -> "[0-9]{3}";
                default -> "";
            };
            Sampling k = Sampling.newBuilder().setStructuredOutput(dev.invariant.schemas.StructuredOutput.newBuilder()
                    .setKind(kind).setSpec(spec).build()).build();
            assertEquals(k, EngineMapping.record(EngineMapping.sampling(k)), kind);
        }
        assertEquals("structured_outputs", assertThrows(EngineException.class, () -> EngineMapping.sampling(
                Sampling.newBuilder().setStructuredOutput(dev.invariant.schemas.StructuredOutput.newBuilder()
                        .setKind("grammar").setSpec("x").build()).build())).param());
        assertEquals("structured_outputs", assertThrows(EngineException.class, () -> EngineMapping.sampling(
                Sampling.newBuilder().setStructuredOutput(dev.invariant.schemas.StructuredOutput.newBuilder()
                        .setKind("regex").setSpec("(a").build()).build())).param());
    }

    @Test
    void aCompletionCarriesTheRequestsOwnSamplingRecord() {
        // Completion.avsc repeats InferenceRequest's Sampling so that each file stands alone (clients register the
        // files); the two must stay one type, or one of them would silently decode with the other's fields.
        var inCompletion = Completion.getClassSchema().getField("sampling").schema().getTypes().get(1);
        assertEquals(InferenceRequest.getClassSchema().getField("sampling").schema(), inCompletion);
        assertEquals(inCompletion.toString(true), InferenceRequest.getClassSchema().getField("sampling").schema()
                .toString(true));
    }

    @Test
    void logprobCountsMapNullToNoneAndBack() {
        assertEquals(-1, EngineMapping.alternatives(null));
        assertEquals(5, EngineMapping.alternatives(5));
        assertEquals(null, EngineMapping.alternativesField(-1));
        assertEquals(0, EngineMapping.alternativesField(0));
        InferenceRequest r = InferenceRequest.newBuilder(Samples.request("r")).setPromptLogprobs(3).build();
        assertEquals(3, r.getPromptLogprobs());
        assertEquals(null, InferenceRequest.newBuilder(r).setPromptLogprobs(null).build().getPromptLogprobs());
        EngineException e = assertThrows(EngineException.class, () -> new Request("r", Prompt.text("x"),
                SamplingParams.builder().build(), 0L, -1, EngineMapping.alternatives(21)));
        assertEquals("prompt_logprobs", e.param());
    }

    @Test
    void logprobEntriesMapBothWays() {
        var lps = List.of(new dev.invariant.engine.api.TokenLogprob(7, -0.25f,
                        List.of(new dev.invariant.engine.api.TokenLogprob.Alternative(3, -0.125f))),
                new dev.invariant.engine.api.TokenLogprob(9, -3.5f, List.of()));
        List<TokenLogprob> record = EngineMapping.logprobs(lps);
        assertEquals(7, record.getFirst().getTokenId());
        assertEquals(-0.125f, record.getFirst().getTop().getFirst().getLogprob());
        assertEquals(lps, EngineMapping.tokenLogprobs(record));
        assertEquals(null, EngineMapping.logprobs(List.of()), "none is the field's null");
        assertEquals(List.of(), EngineMapping.tokenLogprobs(null));
    }
}
