package dev.invariant.engine.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class OutputHashTest {

    @Test
    void isSha256OfFourByteBigEndianIds() throws Exception {
        byte[] bytes = {
            0x00, 0x00, 0x00, 0x01,                        // 1
            0x00, 0x00, 0x01, 0x00,                        // 256
            0x00, 0x02, 0x51, (byte) 0x7f,                 // 151935
            0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff,   // Integer.MAX_VALUE
        };
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        assertEquals(expected, OutputHash.of(new int[] {1, 256, 151935, Integer.MAX_VALUE}));
    }

    @Test
    void emptyOutputHashesTheEmptyString() {
        // The well-known SHA-256 of no bytes.
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", OutputHash.of(new int[0]));
    }

    @Test
    void matchesThePythonOneLinerInTheDocs() {
        assertEquals("7c54349805d3f5de31a76d53cc457928932d5554e2f03098be31fd6fd5e1c0d9",
                OutputHash.of(new int[] {1, 403, 407}));
    }

    @Test
    void orderMatters() {
        assertNotEquals(OutputHash.of(new int[] {1, 2}), OutputHash.of(new int[] {2, 1}));
    }
}
