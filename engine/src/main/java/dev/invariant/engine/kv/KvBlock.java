package dev.invariant.engine.kv;

/** Book-keeping for one physical KV block; the KV memory itself belongs to the backend. */
final class KvBlock {
    final int id;
    /** Block tables that hold this block; 0 means free (and, if {@link #hash} is set, still reusable). */
    int refCount;
    /** Set while the block is registered in the prefix cache under this hash. */
    BlockHash hash;

    KvBlock(int id) {
        this.id = id;
    }
}
