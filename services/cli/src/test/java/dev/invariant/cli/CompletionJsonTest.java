package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.EngineInfo;
import dev.invariant.schemas.Sampling;
import dev.invariant.schemas.SequenceOutput;
import dev.invariant.schemas.Usage;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What consume --format json prints reads back into what verify --file needs: every output and the parameters. */
class CompletionJsonTest {

    @Test
    void everyOutputAndTheSamplingParametersSurviveTheRoundTrip() throws Exception {
        // floats without a short binary form: they must come back as the same bits, not as near neighbours
        Sampling s = Sampling.newBuilder().setTemperature(0.7f).setTopP(0.9f).setMinP(Math.nextUp(0.05f))
                .setRepetitionPenalty(1.1f).setPresencePenalty(-0.3f).setLengthPenalty(1e-7f).setMaxTokens(64)
                .setSeed((1L << 53) - 1).setStop(List.of("Observation:", "\n")).setStopTokenIds(List.of(2))
                .setUseBeamSearch(true).setN(2).setBestOf(3).setEarlyStopping("never")
                .setLogitBias(java.util.Map.of("50256", -100f, "7", Math.nextUp(0.1f))).setMinTokens(3)
                .setAllowedTokenIds(List.of(7, 9, 50256))
                .setStructuredOutput(new dev.invariant.schemas.StructuredOutput("json", "{\"type\":\"object\"}")).build();
        Completion c = Completion.newBuilder().setRequestId("r1").setModel("m")
                .setEngine(EngineInfo.newBuilder().setName("invariant").setVersion("1").setBackend("cpu")
                        .setNumericsProfile("portable").build())
                .setPromptTokenIds(List.of(1, 2)).setTokenIds(List.of(3, 4)).setText("ab").setFinishReason("length")
                .setFingerprint("f".repeat(64)).setOutputHash("a".repeat(64)).setSeed(0L)
                .setUsage(new Usage(2, 4)).setCreatedAt(Instant.now()).setSampling(s)
                .setOutputs(List.of(new SequenceOutput(0, List.of(3, 4), "ab", "length", "a".repeat(64), -1.25f, null, null, null, null),
                        new SequenceOutput(1, List.of(3, 5), "ac", "stop", "b".repeat(64), Math.nextDown(-1.5f), null, null,
                                null, null)))
                .build();
        var json = CompletionJson.of(c);
        assertEquals(4, json.get("usage").get("completion_tokens").asInt());
        assertNull(json.get("reasoning"));
        var chat = CompletionJson.of(Completion.newBuilder(c).setReasoning("hm").setContent("ok")
                .setToolCalls(List.of(new dev.invariant.schemas.ToolCall("call_1", "f", "{}"))).build());
        assertEquals("hm", chat.get("reasoning").asText());
        assertEquals("ok", chat.get("content").asText());
        assertEquals("call_1", chat.get("tool_calls").get(0).get("id").asText());
        Completion back = CompletionJson.parse(ResultJson.MAPPER.readTree(json.toString()));
        assertEquals(s, back.getSampling());
        assertEquals(c.getOutputs(), back.getOutputs());
        assertEquals(c.getTokenIds(), back.getTokenIds());

        var old = CompletionJson.of(Completion.newBuilder(c).setSampling(null).setOutputs(null).build());
        Completion oldBack = CompletionJson.parse(ResultJson.MAPPER.readTree(old.toString()));
        assertNull(oldBack.getSampling());
        assertNull(oldBack.getOutputs());

        var wrong = (com.fasterxml.jackson.databind.node.ObjectNode) ResultJson.MAPPER.readTree(json.toString());
        ((com.fasterxml.jackson.databind.node.ObjectNode) wrong.get("sampling")).put("top_k", "many");
        assertEquals("field top_k: \"many\" is not a int", assertThrows(IllegalArgumentException.class,
                () -> CompletionJson.parse(wrong)).getMessage());
    }
}
