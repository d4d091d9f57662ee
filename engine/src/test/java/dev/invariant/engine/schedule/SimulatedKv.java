package dev.invariant.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.kv.BlockManager;
import java.util.Arrays;
import java.util.List;

/**
 * A paged KV memory with the shape of the real one and a stand-in for the model: the "KV" of a position is a
 * digest of the tokens up to it (so, as in a transformer, it depends only on the tokens before it), and a chunk's
 * "logits" read every position through the block table. A wrong block table, a block overwritten while shared,
 * or an evicted block still in use changes the sampled token, so generations must equal {@link #reference}.
 */
final class SimulatedKv {
    private static final long UNWRITTEN = 0x5EED_0000_0000_0001L;
    private final BlockManager blocks;
    private final int blockSize;
    private final long[] memory;
    private final int vocab;

    SimulatedKv(BlockManager blocks, int vocab) {
        this.blocks = blocks;
        this.blockSize = blocks.blockSize();
        this.memory = new long[blocks.numBlocks() * blockSize];
        Arrays.fill(memory, UNWRITTEN);
        this.vocab = vocab;
    }

    static long mix(long x) {
        x += 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    static long kvOf(long previous, int token, int pos) {
        return mix(previous * 31 + token * 0x10001L + pos);
    }

    static int sample(long attended, int vocab) {
        return (int) Math.floorMod(mix(attended), (long) vocab);
    }

    /** Writes each chunk's KV and returns, per chunk, the sampled next token or -1 when it wants no logits. */
    int[] forward(List<SeqChunk> chunks) {
        int[] next = new int[chunks.size()];
        for (int c = 0; c < chunks.size(); c++) {
            SeqChunk ch = chunks.get(c);
            int[] table = ch.blockTable();
            assertTrue(table.length * blockSize >= ch.endPos(), "block table covers the chunk");
            long prev = ch.startPos() == 0 ? 0 : read(table, ch.startPos() - 1);
            for (int j = 0; j < ch.tokens().length; j++) {
                int pos = ch.startPos() + j;
                int block = table[pos / blockSize];
                assertEquals(1, blocks.refCount(block), "KV is written only into a block no one else holds");
                prev = kvOf(prev, ch.tokens()[j], pos);
                memory[block * blockSize + pos % blockSize] = prev;
            }
            next[c] = ch.wantLogits() ? sample(attend(table, ch.endPos()), vocab) : -1;
        }
        return next;
    }

    private long read(int[] table, int pos) {
        long v = memory[table[pos / blockSize] * blockSize + pos % blockSize];
        assertNotEquals(UNWRITTEN, v, "position " + pos + " was never computed");
        return v;
    }

    private long attend(int[] table, int end) {
        long acc = 17;
        for (int pos = 0; pos < end; pos++) acc = mix(acc ^ read(table, pos));
        return acc;
    }

    /** The tokens a sequence generates when run alone, token by token, with no paging at all. */
    static int[] reference(int[] prompt, int maxTokens, int vocab, int eos) {
        int[] all = Arrays.copyOf(prompt, prompt.length + maxTokens);
        long[] kv = new long[all.length];
        int n = prompt.length;
        int out = 0;
        for (int pos = 0; ; pos++) {
            kv[pos] = kvOf(pos == 0 ? 0 : kv[pos - 1], all[pos], pos);
            if (pos < n - 1) continue;
            long acc = 17;
            for (int p = 0; p <= pos; p++) acc = mix(acc ^ kv[p]);
            int t = sample(acc, vocab);
            all[n++] = t;
            out++;
            if (out == maxTokens || t == eos) return Arrays.copyOfRange(all, prompt.length, n);
        }
    }
}
