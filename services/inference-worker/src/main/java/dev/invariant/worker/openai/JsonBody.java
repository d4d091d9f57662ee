package dev.invariant.worker.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.core.Response;
import java.util.Locale;

/**
 * A request body read by the resources themselves rather than by the framework, so that malformed JSON and a wrong
 * content type get OpenAI-shaped errors on every endpoint alike.
 */
final class JsonBody {
    /** Strict: trailing garbage and duplicate keys are errors rather than silently dropped or overwritten. */
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /** The body could not be read: {@link #response} is the error to answer with. */
    static final class Unreadable extends Exception {
        final transient Response response;

        Unreadable(Response response) {
            super(null, null, false, false);
            this.response = response;
        }
    }

    private JsonBody() {
    }

    static JsonNode read(String contentType, String text) throws Unreadable {
        if (contentType != null && !isJson(contentType)) {
            throw new Unreadable(OpenAiErrors.of(415, OpenAiErrors.UNSUPPORTED_MEDIA_TYPE, null, "the body must be"
                    + " JSON sent with Content-Type: application/json, not " + contentType));
        }
        if (text == null || text.isBlank()) {
            throw new Unreadable(OpenAiErrors.of(400, OpenAiErrors.INVALID_JSON, null,
                    "the body is not valid JSON: the body is empty"));
        }
        try {
            return STRICT.readTree(text);
        } catch (JsonProcessingException e) {
            throw new Unreadable(OpenAiErrors.of(400, OpenAiErrors.INVALID_JSON, null, "the body is not valid JSON: "
                    + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")"));
        }
    }

    private static boolean isJson(String contentType) {
        String t = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return t.equals("application/json") || t.endsWith("+json");
    }
}
