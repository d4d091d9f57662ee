package dev.invariant.cli;

import static dev.invariant.cli.GenerateCommandTest.assertRefusedNaming;
import static dev.invariant.cli.GenerateCommandTest.json;
import static dev.invariant.cli.GenerateCommandTest.run;
import static dev.invariant.cli.GenerateCommandTest.stories;
import static dev.invariant.cli.GenerateCommandTest.story;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** generate's --logit-bias, --min-tokens and --allowed-token-ids, and the same fields in a prompts file. */
class GenerateLogitProcessorsTest {

    @Test
    void theOptionsShapeTheTokens() throws IOException {
        // stories260K's EOS is 2: forced by +100, it ends the text once --min-tokens allows.
        JsonNode eos = json(run(story("--max-tokens", "10", "--logit-bias", "2=100", "--min-tokens", "3")));
        assertEquals(4, eos.get("token_ids").size(), eos.toString());
        assertEquals(2, eos.get("token_ids").get(3).asInt());
        assertEquals("stop", eos.get("finish_reason").asText());
        JsonNode allowed = json(run(story("--max-tokens", "6", "--allowed-token-ids", "300,301")));
        for (JsonNode t : allowed.get("token_ids")) assertTrue(t.asInt() == 300 || t.asInt() == 301, allowed.toString());
        JsonNode both = json(run(story("--max-tokens", "3", "--logit-bias", "300=100", "--logit-bias", "301=-0.5")));
        assertEquals("[300,300,300]", both.get("token_ids").toString());
    }

    @Test
    void aPromptsFileCarriesTheSameFieldsAsTheApi(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("prompts.jsonl");
        Files.writeString(f, "{\"prompt\": \"Once upon a time\", \"max_tokens\": 3, \"logit_bias\": {\"300\": 100}}\n");
        JsonNode fromFile = json(run("generate", "--model", stories().toString(), "--prompts-file", f.toString(),
                "--format", "jsonl", "--threads", "2"));
        JsonNode fromOptions = json(run(story("--max-tokens", "3", "--logit-bias", "300=100")));
        assertEquals("[300,300,300]", fromFile.get("token_ids").toString());
        assertEquals(fromOptions.get("fingerprint"), fromFile.get("fingerprint"), "one parameter, one fingerprint");
    }

    @Test
    void wrongValuesNameTheParameter() {
        String[][] bad = {{"--logit-bias", "2=abc"}, {"--logit-bias", "two=1"}, {"--logit-bias", "2=101"},
                {"--min-tokens", "101"}, {"--allowed-token-ids", "5,600"}};
        String[] params = {"logit_bias", "logit_bias", "logit_bias", "min_tokens", "allowed_token_ids"};
        assertRefusedNaming(bad, params);
    }
}
