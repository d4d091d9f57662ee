package dev.invariant.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ChatMessageTest {

    @ParameterizedTest
    @ValueSource(strings = {"system", "user", "assistant", "tool"})
    void theRolesChatTemplatesRenderAreKept(String role) {
        var m = new ChatMessage(role, "Hello");
        assertEquals(role, m.role());
        assertEquals("Hello", m.content());
    }

    @Test
    void developerIsOpenAisNameForSystem() {
        assertEquals("system", new ChatMessage("developer", "Be brief.").role());
    }

    @ParameterizedTest
    @ValueSource(strings = {"wizard", "User", " user", "function"})
    void anyOtherRoleIsAnInvalidParamThatNamesIt(String role) {
        var e = assertThrows(EngineException.class, () -> new ChatMessage(role, "Hello"));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertEquals("messages", e.param());
        assertTrue(e.getMessage().contains("'" + role + "'"), e.getMessage());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"  "})
    void aMissingRoleIsAnInvalidParam(String role) {
        assertEquals(ErrorCode.INVALID_PARAM, assertThrows(EngineException.class,
                () -> new ChatMessage(role, "Hello")).code());
    }

    @Test
    void aMissingContentIsAnInvalidParam() {
        assertEquals(ErrorCode.INVALID_PARAM, assertThrows(EngineException.class,
                () -> new ChatMessage("user", null)).code());
    }
}
