package dev.invariant.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class DeadLettersTest {

    @Test
    void aReasonNamesTheProblemButNoAddress() {
        String reason = DeadLetters.reason(new IllegalStateException("schema registry GET "
                + "http://10.0.3.7:8081/apis/ccompat/v7/schemas/ids/42 failed with HTTP 404"));
        assertFalse(reason.contains("10.0.3.7"), reason);
        assertEquals("schema registry GET <url> failed with HTTP 404", reason);
    }

    @Test
    void anExceptionWithoutMessageIsNamedByItsType() {
        assertEquals("NullPointerException", DeadLetters.reason(new NullPointerException()));
    }
}
