package dev.invariant.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The special tokens of a model folder, resolved the way transformers and vLLM do (docs/tokenizer.md).
 *
 * @param bos   the tokenizer's BOS id
 * @param eos   every id that ends generation, ascending
 * @param texts the special token strings that chat templates see: bos_token, eos_token, pad_token, unk_token
 */
record SpecialTokens(OptionalInt bos, SortedSet<Integer> eos, Map<String, String> texts) {

    static final String[] NAMES = {"bos_token", "eos_token", "pad_token", "unk_token"};

    /** The token strings named in tokenizer_config.json, which tokenizer.json must then resolve. */
    static Map<String, String> texts(TokenizerFiles files) {
        var texts = new LinkedHashMap<String, String>();
        for (String name : NAMES) {
            JsonNode n = files.tokenizerConfig().path(name);
            // a plain string, or a serialized AddedToken object with its text in "content"
            String text = n.isTextual() ? n.asText() : n.path("content").isTextual() ? n.path("content").asText() : null;
            if (text != null) texts.put(name, text);
        }
        return Collections.unmodifiableMap(texts);
    }

    static SpecialTokens resolve(TokenizerFiles files, Map<String, String> texts, TokenizerJsonScan scan) {
        JsonNode config = files.tokenizerConfig();
        OptionalInt bos;
        if (config.has("bos_token")) {
            bos = texts.containsKey("bos_token") ? OptionalInt.of(idOf(texts.get("bos_token"), scan, files))
                    : OptionalInt.empty();
        } else {
            bos = intField(files, "bos_token_id");
        }
        var eos = new TreeSet<Integer>();
        JsonNode fromModel = files.generationConfig().has("eos_token_id")
                ? files.generationConfig().get("eos_token_id") : files.modelConfig().path("eos_token_id");
        if (fromModel.isIntegralNumber()) eos.add(fromModel.asInt());
        if (fromModel.isArray()) {
            for (JsonNode n : fromModel) {
                if (n.isIntegralNumber()) eos.add(n.asInt());
            }
        }
        if (texts.containsKey("eos_token")) eos.add(idOf(texts.get("eos_token"), scan, files));
        return new SpecialTokens(bos, Collections.unmodifiableSortedSet(eos), texts);
    }

    private static OptionalInt intField(TokenizerFiles files, String field) {
        JsonNode n = files.generationConfig().has(field) ? files.generationConfig().get(field)
                : files.modelConfig().path(field);
        return n.isIntegralNumber() ? OptionalInt.of(n.asInt()) : OptionalInt.empty();
    }

    private static int idOf(String text, TokenizerJsonScan scan, TokenizerFiles files) {
        Integer id = scan.ids().get(text);
        if (id == null) {
            throw new EngineException(ErrorCode.TOKENIZER, TokenizerFiles.TOKENIZER_CONFIG + " in "
                    + files.folder().toAbsolutePath() + " names the special token '" + text
                    + "', which tokenizer.json does not contain: the two files do not belong together;"
                    + " restore both from the same model");
        }
        return id;
    }

    /** The canonical text of the resolved ids that the digest covers: "bos=1\neos=2\n" or "bos=none\n...". */
    String canonical() {
        return "bos=" + (bos.isPresent() ? Integer.toString(bos.getAsInt()) : "none") + "\neos="
                + eos.stream().map(String::valueOf).collect(Collectors.joining(",")) + "\n";
    }
}
