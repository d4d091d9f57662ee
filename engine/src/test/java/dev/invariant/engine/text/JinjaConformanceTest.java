package dev.invariant.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.TestAssets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Chat-template idioms (small templates written for this project: scoping, loops and loop variables, macros and caller, Python str methods,
 * printing of values, escapes, filters and tests, slices, comparisons, whitespace control, raw blocks, comments)
 * rendered with {@link ChatTemplate} exactly as Jinja2 renders them in transformers' chat-template environment: each
 * with two conversations, with and without the generation prompt. The reference is made by
 * {@code bench/device/reference/jinja_probe.py}. A template that raises there must be refused here, carrying the
 * message of its {@code raise_exception}. Every mismatch is reported, not just the first.
 */
class JinjaConformanceTest {
    /**
     * Cases that jinjava cannot render as Jinja2 does, each with the reason. They stay in the reference (the probe
     * shows what a template would get) and must still differ, so that this list never claims more than is true.
     */
    private static final Map<String, String> KNOWN_DIFFERENCES = Map.of();

    @Test
    void everyCaseRendersAsJinja2() throws IOException {
        JsonNode ref = TestAssets.reference("jinja-probe.json");
        List<List<ChatMessage>> conversations = conversations(ref);
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        for (JsonNode c : ref.get("cases")) {
            if (KNOWN_DIFFERENCES.containsKey(c.get("name").asText())) continue;
            for (JsonNode r : c.get("renderings")) {
                checked++;
                String problem = mismatch(c, r, conversations);
                if (problem != null) mismatches.add(problem);
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " of " + checked + " renderings differ from Jinja2:\n"
                + String.join("\n", mismatches));
        assertEquals(4 * (ref.get("cases").size() - KNOWN_DIFFERENCES.size()), checked);
    }

    @Test
    void knownDifferencesStillDiffer() throws IOException {
        JsonNode ref = TestAssets.reference("jinja-probe.json");
        List<List<ChatMessage>> conversations = conversations(ref);
        Map<String, Boolean> differs = new HashMap<>();
        for (JsonNode c : ref.get("cases")) {
            String name = c.get("name").asText();
            if (!KNOWN_DIFFERENCES.containsKey(name)) continue;
            for (JsonNode r : c.get("renderings")) differs.merge(name, mismatch(c, r, conversations) != null, Boolean::logicalOr);
        }
        for (String name : KNOWN_DIFFERENCES.keySet()) {
            assertTrue(differs.containsKey(name), name + " is not in the reference");
            assertTrue(differs.get(name), name + " now renders as Jinja2 does: take it off KNOWN_DIFFERENCES");
        }
    }

    /** What is wrong with one rendering, or null when it is Jinja2's. */
    private static String mismatch(JsonNode c, JsonNode r, List<List<ChatMessage>> conversations) {
        String where = c.get("name").asText() + " [conversation " + r.get("messages") + ", generation prompt "
                + r.get("add_generation_prompt") + "]";
        String got;
        try {
            got = new ChatTemplate(c.get("template").asText(), Map.of("bos_token", "<s>", "eos_token", "</s>"))
                    .render(conversations.get(r.get("messages").asInt()), r.get("add_generation_prompt").asBoolean());
        } catch (EngineException e) {
            if (!r.has("error")) return where + ": refused: " + e.getMessage();
            String error = r.get("error").asText();
            String message = error.replaceFirst("^TemplateError: ", "");
            boolean carried = !error.startsWith("TemplateError: ") || e.getMessage().contains(message);
            return carried ? null : where + ": refused without the template's message \"" + message + "\": " + e.getMessage();
        } catch (RuntimeException e) {
            return where + ": failed with " + e;
        }
        if (r.has("error")) return where + ": rendered " + quote(got) + " where Jinja2 raised " + r.get("error").asText();
        String want = r.get("rendered").asText();
        return want.equals(got) ? null : where + ":\n  want " + quote(want) + "\n  got  " + quote(got);
    }

    private static String quote(String s) {
        return new ObjectMapper().valueToTree(s).toString();
    }

    private static List<List<ChatMessage>> conversations(JsonNode ref) {
        List<List<ChatMessage>> conversations = new ArrayList<>();
        for (JsonNode conversation : ref.get("conversations")) {
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonNode m : conversation) messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
            conversations.add(messages);
        }
        return conversations;
    }

}
