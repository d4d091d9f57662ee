package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generate command as a user runs it: output fields, exit codes, errors without stack traces, a fresh JVM. */
class GenerateCommandTest {

    static Path stories() {
        return Path.of(System.getProperty("invariant.shared"), "models", "stories260K");
    }

    record Outcome(int code, String out, String err) {
    }

    static synchronized Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** A successful run's JSON output. */
    static JsonNode json(Outcome o) throws IOException {
        assertEquals(0, o.code(), o.err());
        return ResultJson.MAPPER.readTree(o.out());
    }

    /**
     * Each option set {@code bad[i]} fails with exit code 1 and INVALID_PARAM naming {@code params[i]}, no stack
     * trace (options refused when read go to stderr; a request the engine refuses is a failed result on stdout).
     */
    static void assertRefusedNaming(String[][] bad, String[] params) {
        for (int i = 0; i < bad.length; i++) {
            Outcome o = run(story(bad[i]));
            assertEquals(1, o.code(), String.join(" ", bad[i]));
            String said = o.err() + o.out();
            assertTrue(said.contains("INVALID_PARAM") && said.contains(params[i]), String.join(" ", bad[i]) + ": " + said);
            assertTrue(!said.contains("\tat "), "no stack trace: " + said);
        }
    }

    static String[] story(String... extra) {
        List<String> a = new ArrayList<>(List.of("generate", "--model", stories().toString(), "--prompt",
                "Once upon a time", "--max-tokens", "100", "--temperature", "0", "--format", "json", "--threads", "2"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void beamSearchPrintsNOutputsEachWithItsHash() throws IOException {
        Outcome o = run(story("--use-beam-search", "--n", "2", "--best-of", "3", "--early-stopping", "never",
                "--max-tokens", "16"));
        assertEquals(0, o.code(), o.err());
        JsonNode outs = ResultJson.MAPPER.readTree(o.out()).get("outputs");
        assertEquals(2, outs.size());
        assertFalse(outs.get(0).get("output_hash").asText().equals(outs.get(1).get("output_hash").asText()));
        Outcome bad = run(story("--n", "2", "--best-of", "3"));
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("use_beam_search"), bad.err());
        // Without beam search, n samples: sample i seeded seed + i.
        Outcome samples = run(story("--n", "2", "--temperature", "0.9", "--seed", "5", "--max-tokens", "16"));
        assertEquals(0, samples.code(), samples.err());
        JsonNode two = ResultJson.MAPPER.readTree(samples.out()).get("outputs");
        JsonNode second = ResultJson.MAPPER.readTree(run(story("--temperature", "0.9", "--seed", "6", "--max-tokens",
                "16")).out());
        assertEquals(second.get("output_hash"), two.get(1).get("output_hash"), "sample 1 = the request seeded 6");
    }

    @Test
    void jsonCarriesTheStoryAndItsHashes() throws IOException {
        Outcome o = run(story());
        assertEquals(0, o.code(), o.err());
        JsonNode j = ResultJson.MAPPER.readTree(o.out());
        for (String f : List.of("prompt_token_ids", "token_ids", "text", "finish_reason", "fingerprint", "output_hash",
                "numerics_profile")) {
            assertTrue(j.has(f), "missing " + f);
        }
        assertEquals(1, j.get("prompt_token_ids").get(0).asInt(), "stories260K prompts start with BOS");
        assertTrue(j.get("text").asText().length() > 50, j.get("text").asText());
        assertEquals("portable", j.get("numerics_profile").asText());
        assertTrue(j.get("fingerprint").asText().matches("[0-9a-f]{64}"));
        assertTrue(j.get("output_hash").asText().matches("[0-9a-f]{64}"));
    }

    @Test
    void aFreshJvmReproducesTheSameJvm() throws Exception {
        JsonNode here = ResultJson.MAPPER.readTree(run(story("--temperature", "0.9", "--seed", "5")).out());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "dev.invariant.cli.Main"));
        cmd.addAll(List.of(story("--temperature", "0.9", "--seed", "5", "--threads", "1")));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor());
        JsonNode there = ResultJson.MAPPER.readTree(out);
        assertEquals(here.get("token_ids"), there.get("token_ids"));
        assertEquals(here.get("output_hash").asText(), there.get("output_hash").asText());
        assertEquals(here.get("fingerprint").asText(), there.get("fingerprint").asText());
    }

    @Test
    void outOfRangeParametersGiveACodeNotAStackTrace() {
        for (String[] bad : List.of(new String[] {"--temperature", "-1"}, new String[] {"--top-p", "1.5"},
                new String[] {"--max-tokens", "-1"})) {
            Outcome o = run(story(bad));
            assertEquals(1, o.code(), String.join(" ", bad));
            assertTrue(o.err().contains("error: INVALID_PARAM"), o.err());
            assertFalse(o.err().contains("\tat "), "no stack trace: " + o.err());
        }
    }

    @Test
    void unknownModelSaysWhatWasTried(@TempDir Path dir) {
        Outcome o = run("generate", "--model", dir.resolve("missing").toString(), "--prompt", "hi");
        assertEquals(1, o.code());
        assertTrue(o.err().contains("error: UNKNOWN_MODEL"), o.err());
        assertFalse(o.err().contains("\tat "), o.err());
    }

    @Test
    void promptsFileRunsAsOneBatchAndReportsEachRequest(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("prompts.jsonl");
        Files.writeString(f, """
                Once upon a time
                {"request_id": "b", "prompt": "The cat", "max_tokens": 5, "ignore_eos": true}
                {"request_id": "c", "prompt": "", "max_tokens": 5}
                """);
        Outcome o = run("generate", "--model", stories().toString(), "--prompts-file", f.toString(),
                "--max-tokens", "8", "--format", "jsonl");
        assertEquals(1, o.code(), "one request failed, so the exit code says so");
        String[] lines = o.out().strip().split("\n");
        assertEquals(3, lines.length);
        assertEquals("req-0", ResultJson.MAPPER.readTree(lines[0]).get("request_id").asText());
        assertEquals(5, ResultJson.MAPPER.readTree(lines[1]).get("token_ids").size());
        assertEquals("EMPTY_PROMPT", ResultJson.MAPPER.readTree(lines[2]).get("error").get("code").asText());
    }

    @Test
    void promptLogprobsComeForEachPromptTokenAfterTheFirst(@TempDir Path dir) throws IOException {
        JsonNode r = ResultJson.MAPPER.readTree(run(story("--max-tokens", "2", "--prompt-logprobs", "3",
                "--format", "json")).out());
        JsonNode lps = r.get("prompt_logprobs");
        JsonNode prompt = r.get("prompt_token_ids");
        assertEquals(prompt.size() - 1, lps.size(), r.toString());
        for (int i = 0; i < lps.size(); i++) {
            assertEquals(prompt.get(i + 1).asInt(), lps.get(i).get("token_id").asInt());
            assertEquals(3, lps.get(i).get("top").size());
        }
        Path f = dir.resolve("prompts.jsonl");
        Files.writeString(f, "{\"prompt\": \"Once upon a time\", \"max_tokens\": 2, \"prompt_logprobs\": 0}\n");
        JsonNode fromFile = ResultJson.MAPPER.readTree(run("generate", "--model", stories().toString(),
                "--prompts-file", f.toString(), "--format", "jsonl").out());
        assertEquals(fromFile.get("prompt_token_ids").size() - 1, fromFile.get("prompt_logprobs").size());
        Outcome bad = run(story("--prompt-logprobs", "21"));
        assertEquals(1, bad.code(), bad.err());
        assertTrue(bad.err().contains("prompt_logprobs"), bad.err());
    }

    @Test
    void logprobsComeWithEachTokenAndItsAlternatives() throws IOException {
        JsonNode r = ResultJson.MAPPER.readTree(run(story("--max-tokens", "6", "--temperature", "0", "--logprobs", "2",
                "--format", "json")).out());
        JsonNode lps = r.get("logprobs");
        assertEquals(r.get("token_ids").size(), lps.size(), r.toString());
        for (int i = 0; i < lps.size(); i++) {
            JsonNode lp = lps.get(i);
            assertEquals(r.get("token_ids").get(i).asInt(), lp.get("token_id").asInt());
            assertEquals(2, lp.get("top").size());
            // greedy: the chosen token is the most likely one
            assertEquals(lp.get("token_id").asInt(), lp.get("top").get(0).get("token_id").asInt());
        }
        Outcome bad = run(story("--logprobs", "30"));
        assertEquals(1, bad.code(), bad.err());
        assertTrue(bad.err().contains("INVALID_PARAM") && bad.err().contains("logprobs"), bad.err());
    }

    @Test
    void aPromptsFileFollowsTheContractsTypeRules(@TempDir Path dir) throws IOException {
        // The same strict JSON mapping as the HTTP API: a wrongly typed value is an error, never the default.
        Path typed = dir.resolve("typed.jsonl");
        Files.writeString(typed, "Once upon a time\n{\"prompt\": \"hi\", \"temperature\": \"hot\"}\n");
        Outcome o = run("generate", "--model", stories().toString(), "--prompts-file", typed.toString());
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().contains("INVALID_PARAM") && o.err().contains("line 2")
                && o.err().contains("'temperature' must be a number"), o.err());
        // A misspelt field in one's own file is reported, not ignored.
        Path misspelt = dir.resolve("misspelt.jsonl");
        Files.writeString(misspelt, "{\"prompt\": \"hi\", \"temprature\": 0.5}\n");
        Outcome m = run("generate", "--model", stories().toString(), "--prompts-file", misspelt.toString());
        assertEquals(1, m.code(), m.err());
        assertTrue(m.err().contains("unknown field 'temprature'"), m.err());
        // Tools go with a chat, whose template shows them to the model: with a plain prompt they are refused.
        Path tools = dir.resolve("tools.jsonl");
        Files.writeString(tools, "{\"prompt\": \"hi\", \"tool_choice\": \"auto\"}\n");
        Outcome t = run("generate", "--model", stories().toString(), "--prompts-file", tools.toString());
        assertEquals(1, t.code(), t.err());
        assertTrue(t.err().contains("'tool_choice' goes with messages"), t.err());
    }

    @Test
    void helpExplainsEveryOption() {
        Outcome o = run("generate", "--help");
        assertEquals(0, o.code());
        for (String opt : List.of("--model", "--prompt", "--prompts-file", "--chat", "--max-tokens", "--temperature",
                "--top-k", "--top-p", "--seed", "--ignore-eos", "--threads", "--max-batch", "--prefill-chunk", "--format", "--kv-cache-dtype", "--quantization")) {
            assertTrue(o.out().contains(opt), "help lacks " + opt);
        }
    }

    /** Without a GPU (CI, laptops) the cuda backend explains itself in a line or two and exits non-zero. */
    @Test
    void cudaBackendWithoutAGpuSaysWhatToDo() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/dev/nvidia0")), "this machine has a GPU");
        Outcome o = run(story("--backend", "cuda"));
        assertTrue(o.code() != 0, "exit code");
        assertTrue(o.err().contains("BACKEND_UNAVAILABLE"), o.err());
        assertTrue(o.err().contains("--backend cpu"), o.err());
        assertTrue(o.err().lines().count() <= 3, "no stack trace: " + o.err());
        assertEquals("", o.out());
    }

    @Test
    void unknownBackendListsTheAvailableOnes() {
        Outcome o = run(story("--backend", "tpu"));
        assertTrue(o.code() != 0, "exit code");
        assertTrue(o.err().contains("'tpu'") && o.err().contains("cpu, cuda"), o.err());
    }

    /** The seed report's settings on a small GPTQ checkpoint: quantisation kept, fp8 cache, figures at start-up. */
    @Test
    void gptqCheckpointWithAnFp8CacheSaysWhatItHolds() throws IOException {
        List<String> args = List.of("generate", "--model", "synthetic:tiny-gptq-int8", "--prompt", "Thought:",
                "--max-tokens", "12", "--temperature", "0", "--ignore-eos", "--format", "json", "--threads", "2",
                "--quantization", "gptq", "--kv-cache-tokens", "10000");
        List<String> fp8 = new ArrayList<>(args);
        fp8.addAll(List.of("--kv-cache-dtype", "fp8_e5m2"));
        Outcome o = run(fp8.toArray(String[]::new));
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("memory: weights") && o.err().contains("gptq int8 g32 desc_act sym")
                && o.err().contains("fp8_e5m2, 10000 tokens"), o.err());
        Outcome again = run(fp8.toArray(String[]::new));
        Outcome fp32 = run(args.toArray(String[]::new));
        JsonNode a = ResultJson.MAPPER.readTree(o.out()), b = ResultJson.MAPPER.readTree(again.out());
        JsonNode c = ResultJson.MAPPER.readTree(fp32.out());
        assertEquals(12, a.get("token_ids").size());
        assertEquals(a.get("output_hash"), b.get("output_hash"), "the same run twice, the same tokens");
        assertFalse(a.get("fingerprint").equals(c.get("fingerprint")), "the KV dtype is part of the fingerprint");
    }

    @Test
    void aQuantizationTheCheckpointDoesNotHaveIsRefused() {
        Outcome o = run(story("--quantization", "gptq"));
        assertTrue(o.code() != 0, "exit code");
        assertTrue(o.err().contains("INVALID_PARAM") && o.err().contains("dense") && o.err().contains("--quantization"),
                o.err());
        assertTrue(o.err().lines().count() <= 3, "no stack trace: " + o.err());
        Outcome awq = run(story("--quantization", "awq"));
        assertTrue(awq.code() != 0 && awq.err().contains("'awq'") && awq.err().contains("gptq"), awq.err());
        Outcome kv = run(story("--kv-cache-dtype", "fp4"));
        assertTrue(kv.code() != 0 && kv.err().contains("fp8_e5m2"), kv.err());
    }

    /**
     * The cuda backend stores an fp8 cache and runs GPTQ (here, without a GPU, each is refused only for want of one);
     * auto falls back to the CPU.
     */
    @Test
    void cudaTakesAnFp8CacheAndGptqAndAutoFallsBackToTheCpu() throws IOException {
        Outcome kv = run(story("--backend", "cuda", "--kv-cache-dtype", "fp8_e5m2"));
        assertTrue(kv.code() == 0 || kv.err().contains("cannot run here") && !kv.err().contains("cannot store"), kv.err());
        Outcome gptq = run("generate", "--model", "synthetic:tiny-gptq-int4", "--prompt", "x", "--backend", "cuda");
        assertTrue(gptq.code() == 0 || gptq.err().contains("cannot run here") && gptq.err().contains("--backend cpu")
                && !gptq.err().contains("GPTQ"), gptq.err());
        Outcome auto = run(story("--backend", "auto", "--kv-cache-dtype", "fp8_e4m3"));
        assertEquals(0, auto.code(), auto.err());
        assertTrue(ResultJson.MAPPER.readTree(auto.out()).get("text").asText().length() > 20);
    }
}
