package dev.invariant.engine.invariance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.FinishReason;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.structured.StructuredOutput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Structured outputs through the real engine on stories260K (EOS id 2), a model that writes children's stories and
 * was never taught JSON: whatever it prefers, every output must match its constraint.
 */
class StructuredOutputEngineTest {
    private static final String MODEL = "stories260K";
    private static final String PROMPT = "Once upon a time";
    private static final int EOS = 2;
    private static final String REGEX = "[a-z]+( [a-z]+){2,4}\\.";
    private static final String SCHEMA = """
            {"type": "object", "properties": {
              "name": {"type": "string", "maxLength": 12},
              "age": {"type": "integer"},
              "happy": {"type": "boolean"},
              "pets": {"type": "array", "items": {"enum": ["cat", "dog"]}, "maxItems": 3}
            }, "required": ["name", "age", "happy"]}""";

    private static Map<String, GenerationResult> run(Request... requests) {
        return Run.together(MODEL, requests);
    }

    private static Map<String, GenerationResult> runOk(Request... requests) {
        return Run.togetherOk(MODEL, requests);
    }

    private static Request request(String id, SamplingParams.Builder b, StructuredOutput so) {
        return new Request(id, Prompt.text(PROMPT), b.structuredOutput(so).build());
    }

    @Test
    void regexOutputsMatchGreedySampledSamplesAndBeams() {
        StructuredOutput so = StructuredOutput.regex("regex", REGEX);
        var r = runOk(request("greedy", SamplingParams.builder().maxTokens(60), so),
                request("sampled", SamplingParams.builder().maxTokens(60).temperature(1f).seed(4L), so),
                request("samples", SamplingParams.builder().maxTokens(60).temperature(0.9f).seed(8L).n(2), so),
                request("beams", SamplingParams.builder().maxTokens(60).useBeamSearch(true).n(2).bestOf(3), so));
        Pattern oracle = Pattern.compile(REGEX);
        for (GenerationResult g : r.values()) {
            assertEquals(FinishReason.STOP, g.finishReason(), g.requestId() + ": " + g.text());
            for (String text : Run.texts(g)) assertTrue(oracle.matcher(text).matches(), g.requestId() + ": " + text);
        }
        assertEquals(2, r.get("samples").outputs().size());
        assertEquals(2, r.get("beams").outputs().size());
        int[] greedy = r.get("greedy").tokenIds();
        assertEquals(EOS, greedy[greedy.length - 1], "a complete output ends with the model's EOS");
    }

    @Test
    void choicesAndIgnoreEos() {
        List<String> choices = List.of("Tom went home", "Lily", "the big red dog");
        StructuredOutput so = StructuredOutput.choice("choice", choices);
        var r = runOk(request("greedy", SamplingParams.builder().maxTokens(40), so),
                request("ignore-eos", SamplingParams.builder().maxTokens(40).ignoreEos(true), so),
                request("sampled", SamplingParams.builder().maxTokens(40).temperature(1.2f).seed(21L).n(3), so));
        for (GenerationResult g : r.values()) {
            for (String text : Run.texts(g)) assertTrue(choices.contains(text), g.requestId() + ": \"" + text + "\"");
            assertEquals(FinishReason.STOP, g.finishReason(), g.requestId());
        }
        int[] ignoring = r.get("ignore-eos").tokenIds();
        assertFalse(Arrays.stream(ignoring).anyMatch(t -> t == EOS), "without EOS the complete choice ends it");
        assertEquals(r.get("greedy").text(), r.get("ignore-eos").text());
    }

    @Test
    void jsonSchemaOutputsParseAndHoldTheirTypes() throws Exception {
        StructuredOutput so = StructuredOutput.jsonSchema("json", SCHEMA);
        var r = runOk(request("greedy", SamplingParams.builder().maxTokens(120), so),
                request("sampled", SamplingParams.builder().maxTokens(120).temperature(0.8f).seed(2L).n(2), so),
                request("object", SamplingParams.builder().maxTokens(120), StructuredOutput.jsonObject()),
                request("object-sampled", SamplingParams.builder().maxTokens(120).temperature(1f).seed(5L),
                        StructuredOutput.jsonObject()));
        ObjectMapper json = new ObjectMapper();
        for (String id : List.of("greedy", "sampled")) {
            GenerationResult g = r.get(id);
            assertEquals(FinishReason.STOP, g.finishReason(), id + ": " + g.text());
            for (String text : Run.texts(g)) {
                JsonNode n = json.readTree(text);
                assertTrue(n.get("name").isTextual() && n.get("name").asText().codePoints().count() <= 12, text);
                assertTrue(n.get("age").isIntegralNumber(), text);
                assertTrue(n.get("happy").isBoolean(), text);
                List<String> keys = new ArrayList<>();
                n.fieldNames().forEachRemaining(keys::add);
                assertEquals(List.of("name", "age", "happy"), keys.subList(0, 3), text);
            }
        }
        for (String id : List.of("object", "object-sampled")) {
            GenerationResult g = r.get(id);
            // a model that never learned JSON may run out of tokens inside an open object: its prefix must still be
            // a valid start, and a finished one must parse
            if (g.finishReason() == FinishReason.STOP) assertTrue(json.readTree(g.text()).isObject(), g.text());
            else assertTrue(g.text().startsWith("{"), g.text());
        }
    }

    /**
     * What pydantic writes for a nested model with a datetime and a conint(ge=1, le=1000) (format, bounds, $ref);
     * bounded above, as this model would write zeros until max_tokens.
     */
    private static final String PYDANTIC = """
            {"$defs": {"Event": {"additionalProperties": false, "properties": {
                "at": {"format": "date-time", "title": "At", "type": "string"},
                "count": {"maximum": 1000, "minimum": 1, "title": "Count", "type": "integer"}},
              "required": ["at", "count"], "title": "Event", "type": "object"}},
             "additionalProperties": false, "properties": {
               "name": {"maxLength": 12, "title": "Name", "type": "string"},
               "event": {"$ref": "#/$defs/Event"}},
             "required": ["name", "event"], "title": "Log", "type": "object"}""";

    @Test
    void pydanticSchemaWithFormatMinimumAndRefValidates() throws Exception {
        StructuredOutput so = StructuredOutput.jsonSchema("json", PYDANTIC);
        var r = runOk(request("greedy", SamplingParams.builder().maxTokens(200), so),
                request("sampled", SamplingParams.builder().maxTokens(200).temperature(1f).seed(3L).n(3), so));
        ObjectMapper json = new ObjectMapper();
        Pattern offset = Pattern.compile("(Z|[+-](\\d\\d):(\\d\\d))$");
        for (GenerationResult g : r.values()) {
            assertEquals(FinishReason.STOP, g.finishReason(), g.requestId() + ": " + g.text());
            for (String text : Run.texts(g)) {
                JsonNode n = json.readTree(text);
                assertTrue(n.get("name").isTextual() && n.get("name").asText().codePoints().count() <= 12, text);
                JsonNode event = n.get("event");
                String at = event.get("at").asText();
                // RFC 3339 by hand: a real date, 'T', a time of valid fields, an offset below 24 hours
                assertTrue(java.time.LocalDate.parse(at.substring(0, 10)).getYear() >= 1 && at.charAt(10) == 'T', text);
                java.time.LocalTime.parse(at.substring(11, 19));
                var m = offset.matcher(at);
                assertTrue(m.find() && (m.group(2) == null || Integer.parseInt(m.group(2)) < 24
                        && Integer.parseInt(m.group(3)) < 60), text);
                assertTrue(event.get("count").isInt() && event.get("count").asInt() >= 1
                        && event.get("count").asInt() <= 1000, text);
            }
        }
    }

    /** tiny-qwen3: a byte-level vocabulary of 151,936 ids, whose random weights favour no JSON at all. */
    @Test
    void byteLevelVocabularyGivesValidJson() throws Exception {
        StructuredOutput so = StructuredOutput.jsonSchema("json", SCHEMA);
        List<Run.Arrival> a = List.of(
                new Run.Arrival(0, request("greedy", SamplingParams.builder().maxTokens(80), so)),
                new Run.Arrival(0, request("sampled", SamplingParams.builder().maxTokens(80).temperature(1f).seed(1L), so)),
                new Run.Arrival(0, request("choice", SamplingParams.builder().maxTokens(20),
                        StructuredOutput.choice("choice", List.of("北京", "東京 😀", "Paris")))));
        var r = Run.execute(BatchInvarianceTest.base("tiny-qwen3"), a, false).results;
        ObjectMapper json = new ObjectMapper();
        for (String id : List.of("greedy", "sampled")) {
            GenerationResult g = r.get(id);
            assertTrue(g.ok(), id + ": " + g.error());
            if (g.finishReason() == FinishReason.STOP) {
                JsonNode n = json.readTree(g.text());
                assertTrue(n.get("name").isTextual() && n.get("age").isIntegralNumber(), g.text());
            } else {
                assertTrue(g.text().startsWith("{\"name\":"), g.text());
            }
        }
        GenerationResult c = r.get("choice");
        assertTrue(c.ok(), String.valueOf(c.error()));
        assertTrue(List.of("北京", "東京 😀", "Paris").contains(c.text()), c.text());
    }

    @Test
    void aDeadEndFailsTheRequestInsteadOfEmittingGarbage() {
        var tokenizer = dev.invariant.engine.text.Tokenizer.load(dev.invariant.engine.TestAssets.model(MODEL));
        int a = tokenizer.encodeNoSpecial("a")[tokenizer.encodeNoSpecial("a").length - 1];
        var r = run(request("dead", SamplingParams.builder().maxTokens(8).allowedTokenIds(List.of(a, EOS)),
                StructuredOutput.regex("regex", "[0-9]+")));
        GenerationResult g = r.get("dead");
        assertFalse(g.ok());
        assertNotNull(g.error());
        assertEquals(ErrorCode.INVALID_PARAM, g.error().code());
        assertTrue(g.error().getMessage().contains("cannot be continued"), g.error().getMessage());
    }

    /**
     * Constrained requests give the same bits alone as among random unconstrained companions, preempted and
     * recomputed, and with their prompt from the prefix cache.
     */
    @Test
    void batchInvariantWithUnconstrainedCompanions() {
        List<Request> subjects = List.of(
                request("regex", SamplingParams.builder().maxTokens(30).temperature(0.9f).seed(5L),
                        StructuredOutput.regex("regex", REGEX)),
                request("json", SamplingParams.builder().maxTokens(40), StructuredOutput.jsonSchema("json", SCHEMA)),
                request("object", SamplingParams.builder().maxTokens(30).temperature(0.7f).seed(6L),
                        StructuredOutput.jsonObject()));
        Run reference = Run.assertInvariantAmongCompanions(MODEL, subjects, 12);
        List<String> ids = subjects.stream().map(Request::requestId).toList();
        // The same prompt ran first: the subjects find its blocks in the prefix cache.
        List<Run.Arrival> warm = new ArrayList<>(List.of(new Run.Arrival(0, new Request("warm", Prompt.text(PROMPT),
                SamplingParams.greedy(2)))));
        warm.addAll(Run.at(6, subjects));
        Run.assertSameBits(reference, Run.execute(BatchInvarianceTest.base(MODEL).withKvCache(4, 32768, true), warm),
                ids, "prefix cache hit");
    }
}
