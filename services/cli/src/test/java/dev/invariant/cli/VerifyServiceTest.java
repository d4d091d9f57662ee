package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The long-running verifier's sample: by request id, the same on every instance, close to the asked rate. */
class VerifyServiceTest {

    @Test
    void sampleIsAStableFractionOfRequestIds() {
        int picked = 0;
        for (int i = 0; i < 20_000; i++) {
            String id = "req-" + i;
            boolean in = VerifyService.sampled(id, 0.25);
            assertEquals(in, VerifyService.sampled(id, 0.25), "the same id, the same choice");
            if (in) picked++;
            assertTrue(VerifyService.sampled(id, 1.0));
            if (in) assertTrue(VerifyService.sampled(id, 0.5), "a larger rate keeps what a smaller one picked");
        }
        assertTrue(Math.abs(picked - 5_000) < 300, "picked " + picked + " of 20000 at rate 0.25");
    }
}
