package dev.invariant.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A client of the Confluent Schema Registry REST API, the subset every compatible registry serves
 * (Confluent, Karapace, Redpanda, Apicurio's {@code /apis/ccompat/v7}): register, look up, fetch by id,
 * and per-subject compatibility. Ids and schemas are cached: an id never changes its schema, so a
 * process asks the registry at most once per schema.
 */
public final class SchemaRegistryClient implements AutoCloseable {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryConfig config;
    private final HttpClient http;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

    // Schema caches its hash and generated classes share one instance, so this key is cheap per record.
    private record SubjectSchema(String subject, Schema schema) {
    }

    public SchemaRegistryClient(RegistryConfig config) {
        this.config = config;
        this.http = HttpClient.newBuilder().connectTimeout(config.requestTimeout()).build();
    }

    public RegistryConfig config() {
        return config;
    }

    /**
     * Registers {@code schema} under {@code subject} ({@code POST /subjects/{subject}/versions}) and returns
     * its global id. Registering a schema the subject already has returns the existing id.
     *
     * @throws RegistryException {@link RegistryException#isIncompatible()} when the subject's compatibility
     *                           level rejects it
     */
    public int register(String subject, Schema schema) {
        var key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) return cached;
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        int id = requireInt(answer, "id", "register in subject " + subject);
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /**
     * The id of {@code schema} if {@code subject} already has it ({@code POST /subjects/{subject}}), without
     * registering anything.
     *
     * @throws RegistryException {@link RegistryException#isNotFound()} when the subject or schema is absent
     */
    public int idOf(String subject, Schema schema) {
        var key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) return cached;
        JsonNode answer = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
        int id = requireInt(answer, "id", "look up in subject " + subject);
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /**
     * The Avro schema with global id {@code id} ({@code GET /schemas/ids/{id}}).
     *
     * @throws RegistryException {@link RegistryException#isNotFound()} when no schema has that id, or a
     *                           400-class error when the schema is not Avro
     */
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) return cached;
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        String type = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equalsIgnoreCase(type)) {
            throw new RegistryException(422, 0, "schema id " + id + " is a " + type + " schema, not Avro");
        }
        JsonNode text = answer.get("schema");
        if (text == null || !text.isTextual()) {
            throw new RegistryException(200, 0, "registry answer for schema id " + id + " has no 'schema' text");
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new RegistryException(422, 0, "schema id " + id + " is not a valid Avro schema: " + e.getMessage());
        }
        Schema raced = schemasById.putIfAbsent(id, schema);
        return raced != null ? raced : schema;
    }

    /** Sets the subject's compatibility level ({@code PUT /config/{subject}}). */
    public void setCompatibility(String subject, Compatibility level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level.name());
        send("PUT", "/config/" + encode(subject), body);
    }

    /**
     * The subject's own compatibility level ({@code GET /config/{subject}}); empty when the subject has
     * none set and the registry-wide default applies.
     */
    public Optional<Compatibility> compatibility(String subject) {
        JsonNode answer;
        try {
            answer = send("GET", "/config/" + encode(subject), null);
        } catch (RegistryException e) {
            if (e.isNotFound()) return Optional.empty();
            throw e;
        }
        // Confluent answers compatibilityLevel; some registries answer compatibility.
        JsonNode level = answer.has("compatibilityLevel") ? answer.get("compatibilityLevel") : answer.get("compatibility");
        if (level == null || level.isNull()) return Optional.empty();
        return Optional.of(Compatibility.parse(level.asText(), "subject " + subject));
    }

    /**
     * Whether {@code schema} could be registered under {@code subject} now, by the subject's compatibility
     * level ({@code POST /compatibility/subjects/{subject}/versions/latest}); true when the subject is empty.
     */
    public boolean isCompatible(String subject, Schema schema) {
        JsonNode answer;
        try {
            answer = send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema));
        } catch (RegistryException e) {
            if (e.isNotFound()) return true;
            throw e;
        }
        JsonNode verdict = answer.get("is_compatible");
        if (verdict == null || !verdict.isBoolean()) {
            throw new RegistryException(200, 0, "registry compatibility answer for subject " + subject
                    + " has no boolean 'is_compatible': " + answer);
        }
        return verdict.asBoolean();
    }

    @Override
    public void close() {
        http.close();
    }

    private static ObjectNode schemaBody(Schema schema) {
        // schemaType is left out: AVRO is the default everywhere, and older registries reject the field.
        return JSON.createObjectNode().put("schema", SchemaTexts.of(schema));
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static int requireInt(JsonNode answer, String field, String what) {
        JsonNode value = answer.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new RegistryException(200, 0, "registry answer to " + what + " has no integer '" + field + "': " + answer);
        }
        return value.asInt();
    }

    private JsonNode send(String method, String path, JsonNode body) {
        URI uri = URI.create(config.baseUrl() + path);
        var request = HttpRequest.newBuilder(uri)
                .timeout(config.requestTimeout())
                .header("Accept", CONTENT_TYPE + ", application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        if (body != null) request.header("Content-Type", CONTENT_TYPE);
        if (config.basicAuth() != null) {
            String token = Base64.getEncoder().encodeToString(config.basicAuth().getBytes(StandardCharsets.UTF_8));
            request.header("Authorization", "Basic " + token);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new RegistryException("schema registry at " + config.baseUrl() + " is unreachable (" + method + " "
                    + path + ": " + e + "): check the registry URL and that the registry is running", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("interrupted while calling the schema registry (" + method + " " + path + ")", e);
        }
        return answer(method, path, response);
    }

    private JsonNode answer(String method, String path, HttpResponse<String> response) {
        JsonNode json;
        try {
            json = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            json = null;
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            if (json == null) {
                throw new RegistryException(status, 0, "schema registry at " + config.baseUrl() + " answered " + method
                        + " " + path + " with a body that is not JSON: is the URL the Confluent-compatible API root"
                        + " (Apicurio: .../apis/ccompat/v7)?");
            }
            return json;
        }
        int errorCode = json == null ? 0 : json.path("error_code").asInt(0);
        String detail = json == null ? response.body() : json.path("message").asText(response.body());
        throw new RegistryException(status, errorCode, "schema registry " + method + " " + config.baseUrl() + path
                + " failed with HTTP " + status + (errorCode != 0 ? " (error_code " + errorCode + ")" : "")
                + ": " + detail);
    }
}
