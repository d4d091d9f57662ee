package dev.invariant.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class SerdeConfigTest {

    @Test
    void confluentPropertyNamesAreRead() {
        var config = SerdeConfig.fromKafka(Map.of(
                SerdeConfig.REGISTRY_URL, "http://127.0.0.1:8081/apis/ccompat/v7/",
                SerdeConfig.AUTO_REGISTER, "false",
                SerdeConfig.REQUEST_TIMEOUT_MS, "2500",
                SerdeConfig.BASIC_AUTH_USER_INFO, "u:p",
                SerdeConfig.VALUE_TYPE, InferenceRequest.class.getName(),
                SerdeConfig.KEY_TYPE, Completion.class), false);
        assertEquals("http://127.0.0.1:8081/apis/ccompat/v7", config.registry().baseUrl().toString());
        assertFalse(config.autoRegister());
        assertEquals(Duration.ofMillis(2500), config.registry().requestTimeout());
        assertEquals("u:p", config.registry().basicAuth());
        assertEquals(InferenceRequest.class, config.readerClass());
        assertEquals(Completion.class, SerdeConfig.fromKafka(Map.of(SerdeConfig.REGISTRY_URL, "http://h:1",
                SerdeConfig.KEY_TYPE, Completion.class), true).readerClass());
    }

    @Test
    void defaultsAreAutoRegisterAndWriterNamedClass() {
        var config = SerdeConfig.fromKafka(Map.of(SerdeConfig.REGISTRY_URL, "http://h:8081"), false);
        assertTrue(config.autoRegister());
        assertNull(config.readerClass());
        assertNull(config.registry().basicAuth());
    }

    @Test
    void badSettingsSayWhatToDo() {
        var missing = assertThrows(ConfigException.class, () -> SerdeConfig.fromKafka(Map.of(), false));
        assertTrue(missing.getMessage().contains(SerdeConfig.REGISTRY_URL), missing.getMessage());
        assertThrows(ConfigException.class, () -> SerdeConfig.fromKafka(Map.of(SerdeConfig.REGISTRY_URL, "localhost:8081"), false));
        assertThrows(ConfigException.class, () -> SerdeConfig.fromKafka(Map.of(SerdeConfig.REGISTRY_URL, "http://a:1,http://b:1"), false));
        assertThrows(ConfigException.class, () -> SerdeConfig.fromKafka(Map.of(SerdeConfig.REGISTRY_URL, "http://a:1",
                SerdeConfig.AUTO_REGISTER, "yes"), false));
        assertThrows(ConfigException.class, () -> SerdeConfig.fromKafka(Map.of(SerdeConfig.REGISTRY_URL, "http://a:1",
                SerdeConfig.VALUE_TYPE, String.class.getName()), false));
        assertThrows(ConfigException.class, () -> SerdeConfig.fromKafka(Map.of(SerdeConfig.REGISTRY_URL, "http://a:1",
                SerdeConfig.VALUE_TYPE, "no.such.Type"), false));
        assertThrows(ConfigException.class, () -> SerdeConfig.fromKafka(Map.of(SerdeConfig.REGISTRY_URL, "http://a:1",
                SerdeConfig.REQUEST_TIMEOUT_MS, "0"), false));
    }

    @Test
    void subjectsFollowTopicNameStrategy() {
        assertEquals("invariant.requests-value", SubjectNames.of("invariant.requests", false));
        assertEquals("invariant.requests-key", SubjectNames.of("invariant.requests", true));
    }
}
