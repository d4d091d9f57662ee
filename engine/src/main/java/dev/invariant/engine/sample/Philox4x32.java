package dev.invariant.engine.sample;

/**
 * Philox4x32-10, the counter-based generator of Salmon et al. (SC'11) as defined by Random123:
 * a pure function of (counter, key), so a draw depends on what it is keyed by and never on
 * how many draws happened before it, on which thread, or in which batch slot.
 */
public final class Philox4x32 {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9; // golden ratio
    private static final int W1 = 0xBB67AE85; // sqrt(3) - 1
    private static final int ROUNDS = 10;

    private Philox4x32() {}

    /** One 4-word output block for counter (c0..c3) and key (k0, k1); words are unsigned 32-bit values. */
    public static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        for (int round = 0; round < ROUNDS; round++) {
            if (round > 0) { // Random123 bumps the key before every round but the first
                k0 += W0;
                k1 += W1;
            }
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
        }
        return new int[] {c0, c1, c2, c3};
    }
}
