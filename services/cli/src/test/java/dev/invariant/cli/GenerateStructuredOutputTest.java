package dev.invariant.cli;

import static dev.invariant.cli.GenerateCommandTest.assertRefusedNaming;
import static dev.invariant.cli.GenerateCommandTest.json;
import static dev.invariant.cli.GenerateCommandTest.run;
import static dev.invariant.cli.GenerateCommandTest.stories;
import static dev.invariant.cli.GenerateCommandTest.story;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * generate's --guided-choice, --guided-regex, --guided-json, --guided-grammar and --response-format, and the same in a
 * prompts file.
 */
class GenerateStructuredOutputTest {
    private static final String SCHEMA = "{\"type\": \"object\", \"properties\": {\"ok\": {\"type\": \"boolean\"}},"
            + " \"required\": [\"ok\"]}";

    @Test
    void theOptionsConstrainTheText(@TempDir Path dir) throws IOException {
        JsonNode choice = json(run(story("--max-tokens", "20", "--guided-choice", "a cat", "--guided-choice", "a dog")));
        assertTrue(List.of("a cat", "a dog").contains(choice.get("text").asText()), choice.toString());
        JsonNode regex = json(run(story("--max-tokens", "20", "--guided-regex", "[0-9]{3}")));
        assertTrue(regex.get("text").asText().matches("[0-9]{3}"), regex.toString());
        Path schema = dir.resolve("schema.json");
        Files.writeString(schema, SCHEMA);
        JsonNode fromFile = json(run(story("--max-tokens", "20", "--guided-json", schema.toString())));
        JsonNode inline = json(run(story("--max-tokens", "20", "--guided-json", SCHEMA)));
        assertTrue(ResultJson.MAPPER.readTree(fromFile.get("text").asText()).get("ok").isBoolean(), fromFile.toString());
        assertEquals(fromFile.get("fingerprint"), inline.get("fingerprint"), "one schema, one fingerprint");
        JsonNode plain = json(run(story("--max-tokens", "20")));
        assertNotEquals(plain.get("fingerprint"), inline.get("fingerprint"));
        String grammar = "root ::= \"(\" digits \")\"  digits ::= [0-9]{2,3}";
        Path grammarFile = dir.resolve("g.gbnf");
        Files.writeString(grammarFile, "# two or three digits in parentheses\n" + grammar.replace("  ", "\n"));
        JsonNode g = json(run(story("--max-tokens", "20", "--guided-grammar", grammar)));
        assertTrue(g.get("text").asText().matches("\\([0-9]{2,3}\\)"), g.toString());
        JsonNode gFile = json(run(story("--max-tokens", "20", "--guided-grammar", grammarFile.toString())));
        assertEquals(g.get("fingerprint"), gFile.get("fingerprint"), "comments and line breaks aside, one grammar");
    }

    @Test
    void aPromptsFileCarriesTheSameFieldsAsTheApi(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("prompts.jsonl");
        Files.writeString(f, "{\"prompt\": \"Once upon a time\", \"max_tokens\": 20, \"guided_json\": " + SCHEMA + "}\n");
        JsonNode fromFile = json(run("generate", "--model", stories().toString(), "--prompts-file", f.toString(),
                "--format", "jsonl", "--threads", "2"));
        JsonNode fromOptions = json(run(story("--max-tokens", "20", "--guided-json", SCHEMA)));
        assertEquals(fromOptions.get("fingerprint"), fromFile.get("fingerprint"), "one parameter, one fingerprint");
        assertEquals(fromOptions.get("text"), fromFile.get("text"));
    }

    @Test
    void wrongValuesNameTheParameter() {
        String[][] bad = {{"--guided-regex", "(a"}, {"--guided-json", "{\"type\": \"object\"}"},
                {"--guided-json", "/no/such/schema.json"}, {"--guided-choice", "a", "--guided-regex", "a"},
                {"--response-format", "xml"}, {"--guided-grammar", "root ::= x"},
                {"--guided-grammar", "/no/such/grammar.gbnf"}, {"--guided-grammar", "root ::= \"a\"", "--guided-regex", "a"}};
        String[] params = {"guided_regex", "guided_json", "guided_json", "guided_regex", "response_format",
                "guided_grammar", "guided_grammar", "guided_regex"};
        assertRefusedNaming(bad, params);
    }
}
