package dev.invariant.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.TestAssets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerLoadTest {
    @TempDir
    Path tmp;

    private Path storiesCopy() throws IOException {
        Path stories = TestAssets.model("stories260K");
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json", "generation_config.json", "config.json"}) {
            Files.copy(stories.resolve(f), tmp.resolve(f));
        }
        return tmp;
    }

    private static EngineException loadFails(Path folder) {
        var e = assertThrows(EngineException.class, () -> Tokenizer.load(folder).close());
        assertEquals(ErrorCode.TOKENIZER, e.code(), e.getMessage());
        return e;
    }

    @Test
    void storiesSpecialIdsComeFromItsFiles() {
        try (Tokenizer t = Tokenizer.load(TestAssets.model("stories260K"))) {
            assertEquals(OptionalInt.of(1), t.bosTokenId());
            assertEquals(Set.of(2), t.eosTokenIds());
            assertTrue(t.chatTemplate().isEmpty(), "stories260K has no chat template");
        }
    }

    @Test
    void qwenEosIsTheUnionOfGenerationConfigAndTokenizerEos() {
        try (Tokenizer tok = Tokenizer.load(TestAssets.model("qwen2-tokenizer"));
             Tokenizer model = Tokenizer.load(TestAssets.model("tiny-qwen2"))) {
            int imEnd = tok.encodeNoSpecial("<|im_end|>")[0];
            int endOfText = tok.encodeNoSpecial("<|endoftext|>")[0];
            assertEquals(Set.of(imEnd), tok.eosTokenIds(), "no generation_config.json: the tokenizer's eos_token");
            assertEquals(Set.of(imEnd, endOfText), model.eosTokenIds(), "generation_config.json adds <|endoftext|>");
            assertTrue(model.bosTokenId().isEmpty(), "tokenizer_config.json says bos_token: null");
            assertNotEquals(tok.digest(), model.digest(), "the resolved special ids are part of the digest");
        }
    }

    @Test
    void idsPastTheTokenizerVocabularyDecodeToNothing() {
        // Qwen models have 151,936 embedding rows for 151,665 tokens; random weights may pick the padding
        try (Tokenizer t = Tokenizer.load(TestAssets.model("tiny-qwen2"))) {
            int[] hello = t.encodeNoSpecial("Hello world");
            int[] padded = {hello[0], 151_700, hello[1], 151_935};
            assertEquals("Hello world", t.decode(padded, true));
            assertEquals("Hello world", t.decode(padded, false));
            assertEquals(ErrorCode.INVALID_PARAM,
                    assertThrows(EngineException.class, () -> t.decode(new int[] {-1}, true)).code());
        }
    }

    @Test
    void digestFollowsTheDocumentedEncoding() throws Exception {
        Path folder = storiesCopy();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update("invariant-tokenizer-v1\n".getBytes(StandardCharsets.UTF_8));
        for (String name : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            framed(sha, name, Files.readAllBytes(folder.resolve(name)));
        }
        framed(sha, "special_ids", "bos=1\neos=2\n".getBytes(StandardCharsets.UTF_8));
        try (Tokenizer t = Tokenizer.load(folder)) {
            assertEquals(HexFormat.of().formatHex(sha.digest()), t.digest());
        }
    }

    private static void framed(MessageDigest sha, String name, byte[] content) {
        sha.update(name.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(ByteBuffer.allocate(8).putLong(content.length).array());
        sha.update(content);
    }

    @Test
    void digestChangesWithAnyTokenizerFileByte() throws IOException {
        Path folder = storiesCopy();
        String before;
        try (Tokenizer t = Tokenizer.load(folder)) {
            before = t.digest();
        }
        Path config = folder.resolve("tokenizer_config.json");
        Files.writeString(config, Files.readString(config).replace("512", "513"));
        try (Tokenizer t = Tokenizer.load(folder)) {
            assertNotEquals(before, t.digest());
        }
    }

    @Test
    void missingFolderOrTokenizerJsonIsATokenizerError() throws IOException {
        assertTrue(loadFails(tmp.resolve("nope")).getMessage().contains("does not exist"));
        Files.copy(TestAssets.model("stories260K").resolve("config.json"), tmp.resolve("config.json"));
        assertTrue(loadFails(tmp).getMessage().contains("tokenizer.json is missing"));
    }

    @Test
    void corruptFilesAreTokenizerErrors() throws IOException {
        Path folder = storiesCopy();
        Files.writeString(folder.resolve("tokenizer.json"), "{\"model\": {\"vocab\": ");
        assertTrue(loadFails(folder).getMessage().contains("tokenizer.json"));
        Files.writeString(folder.resolve("tokenizer.json"), "{\"version\": \"1.0\"}");
        Files.delete(folder.resolve("tokenizer_config.json")); // else its <s> is reported missing first
        assertTrue(loadFails(folder).getMessage().contains("tokenizers library cannot load"));
    }

    @Test
    void corruptOrMismatchedConfigIsATokenizerError() throws IOException {
        Path folder = storiesCopy();
        Path config = folder.resolve("tokenizer_config.json");
        String good = Files.readString(config);
        Files.writeString(config, "[not json");
        assertTrue(loadFails(folder).getMessage().contains("tokenizer_config.json is not valid JSON"));
        Files.writeString(config, good.replace("</s>", "<|im_end|>"));
        assertTrue(loadFails(folder).getMessage().contains("'<|im_end|>'"));
    }
}
