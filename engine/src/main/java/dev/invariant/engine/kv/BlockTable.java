package dev.invariant.engine.kv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One sequence's blocks: block {@code i} holds positions {@code i*blockSize .. (i+1)*blockSize-1}.
 * Only {@link BlockManager} changes it. It also remembers the hash chain of the sequence's full token blocks:
 * tokens are append-only, so a full block's hash never changes and survives preemption.
 */
public final class BlockTable {
    private int[] ids = new int[8];
    private int size;
    /** Leading blocks already registered in (or taken from) the prefix cache. */
    private int numPublished;
    private final List<BlockHash> hashChain = new ArrayList<>();

    public int size() {
        return size;
    }

    public int blockId(int index) {
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException("block " + index + " of " + size);
        return ids[index];
    }

    public int[] toArray() {
        return Arrays.copyOf(ids, size);
    }

    public int numPublished() {
        return numPublished;
    }

    void add(int blockId) {
        if (size == ids.length) ids = Arrays.copyOf(ids, size * 2);
        ids[size++] = blockId;
    }

    void clear() {
        size = 0;
        numPublished = 0;
    }

    void setNumPublished(int n) {
        numPublished = n;
    }

    /** Hash of full block {@code index}; {@code tokens} must hold at least {@code (index+1)*blockSize} tokens. */
    BlockHash hashOf(int index, int[] tokens, int blockSize) {
        for (int i = hashChain.size(); i <= index; i++) {
            BlockHash parent = i == 0 ? BlockHash.ROOT : hashChain.get(i - 1);
            hashChain.add(parent.child(tokens, i * blockSize, blockSize));
        }
        return hashChain.get(index);
    }
}
