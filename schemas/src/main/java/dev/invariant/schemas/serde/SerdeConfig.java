package dev.invariant.schemas.serde;

import dev.invariant.schemas.registry.RegistryConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;

/**
 * Settings of {@link ConfluentAvroSerializer} and {@link ConfluentAvroDeserializer}. The Kafka property
 * names are Confluent's, so a producer or consumer configured for Confluent's serdes needs only the
 * class names changed.
 *
 * @param registry     where the registry is
 * @param autoRegister register a value's schema on first use (else it must already be registered)
 * @param readerClass  the generated class a deserializer reads into, or null for the class the writer
 *                     schema names
 */
public record SerdeConfig(RegistryConfig registry, boolean autoRegister, Class<? extends SpecificRecord> readerClass) {

    /** Root of the registry's Confluent-compatible API (Apicurio: {@code http://host:port/apis/ccompat/v7}). */
    public static final String REGISTRY_URL = "schema.registry.url";
    /** {@code true} (default) or {@code false}. */
    public static final String AUTO_REGISTER = "auto.register.schemas";
    /** {@code user:password} for HTTP basic authentication. */
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    /** Per-request timeout in milliseconds (default 10000). */
    public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";
    /** Generated class a value deserializer reads into. */
    public static final String VALUE_TYPE = "specific.avro.value.type";
    /** Generated class a key deserializer reads into. */
    public static final String KEY_TYPE = "specific.avro.key.type";

    public SerdeConfig {
        Objects.requireNonNull(registry, "registry");
    }

    /** Reads the settings from Kafka client properties. */
    public static SerdeConfig fromKafka(Map<String, ?> configs, boolean isKey) {
        Object url = configs.get(REGISTRY_URL);
        if (url == null || url.toString().isBlank()) {
            throw new ConfigException(REGISTRY_URL + " is not set: give the root of the registry's Confluent-compatible"
                    + " API, e.g. http://127.0.0.1:8081/apis/ccompat/v7 for Apicurio or http://host:8081 for Confluent");
        }
        if (url.toString().contains(",")) {
            throw new ConfigException(REGISTRY_URL + " '" + url + "' lists several URLs: give exactly one");
        }
        long timeoutMs = parseLong(configs.get(REQUEST_TIMEOUT_MS), RegistryConfig.DEFAULT_TIMEOUT.toMillis(),
                REQUEST_TIMEOUT_MS);
        Object auth = configs.get(BASIC_AUTH_USER_INFO);
        RegistryConfig registry;
        try {
            registry = new RegistryConfig(URI.create(url.toString().trim()), Duration.ofMillis(timeoutMs),
                    auth == null || auth.toString().isEmpty() ? null : auth.toString());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        boolean autoRegister = parseBoolean(configs.get(AUTO_REGISTER), AUTO_REGISTER);
        return new SerdeConfig(registry, autoRegister, readerClass(configs.get(isKey ? KEY_TYPE : VALUE_TYPE),
                isKey ? KEY_TYPE : VALUE_TYPE));
    }

    private static boolean parseBoolean(Object value, String name) {
        if (value == null) return true;
        if (value instanceof Boolean b) return b;
        return switch (value.toString().trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(name + " must be true or false, got '" + value + "'");
        };
    }

    private static long parseLong(Object value, long fallback, String name) {
        if (value == null) return fallback;
        if (value instanceof Number n) return n.longValue();
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be a whole number of milliseconds, got '" + value + "'");
        }
    }

    private static Class<? extends SpecificRecord> readerClass(Object value, String name) {
        if (value == null) return null;
        Class<?> type;
        if (value instanceof Class<?> c) {
            type = c;
        } else {
            try {
                type = Class.forName(value.toString().trim(), true, Thread.currentThread().getContextClassLoader());
            } catch (ClassNotFoundException e) {
                throw new ConfigException(name + " names class '" + value + "', which is not on the classpath");
            }
        }
        if (!SpecificRecord.class.isAssignableFrom(type)) {
            throw new ConfigException(name + " names " + type.getName()
                    + ", which is not an Avro generated class (SpecificRecord)");
        }
        return type.asSubclass(SpecificRecord.class);
    }
}
