package dev.invariant.worker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ChatMessagesTest {

    @ParameterizedTest
    @ValueSource(strings = {"system", "user", "assistant", "tool"})
    void theRolesChatTemplatesRenderAreAccepted(String role) {
        var m = ChatMessages.of(role, "Hello");
        assertEquals(role, m.role());
        assertEquals("Hello", m.content());
    }

    @ParameterizedTest
    @ValueSource(strings = {"wizard", "User", "developer", " user"})
    void anyOtherRoleIsAnInvalidParamThatNamesIt(String role) {
        var e = assertThrows(EngineException.class, () -> ChatMessages.of(role, "Hello"));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertTrue(e.getMessage().contains("'" + role + "'"), e.getMessage());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"  "})
    void aMissingRoleIsAnInvalidParam(String role) {
        assertEquals(ErrorCode.INVALID_PARAM, assertThrows(EngineException.class,
                () -> ChatMessages.of(role, "Hello")).code());
    }

    @Test
    void aMissingContentIsAnInvalidParam() {
        assertEquals(ErrorCode.INVALID_PARAM, assertThrows(EngineException.class,
                () -> ChatMessages.of("user", null)).code());
    }
}
