package dev.invariant.engine.backend.cuda;

/**
 * kernels/gptq_tile.cu, GPTQ projections of many tokens on tiles of 64 rows x 16 tokens: the kernel a projection
 * takes, its grid and the shared memory it needs (the kernel's {@code gtile::gtile_smem}, written again here).
 */
final class GptqTile {
    static final int ROWS = 64;
    static final int TOKENS = 16;
    static final int THREADS = 256;
    private static final int STAGE_INDICES = 512;  // GTILE_KS

    private GptqTile() {
    }

    static String name(int bits, int groupKind, String fusedSuffix) {
        return "gptq_tile_int" + bits + new String[] {"", "_g128", "_act"}[groupKind] + fusedSuffix + "_" + ROWS + "x" + TOKENS;
    }

    /** Pipeline stages (GPTQ_TILE_FUSED's): 2, measured at least as fast as 3, with room for act-order's tables. */
    private static final int STAGES = 2;

    /** (s, nz) entries per row and stage: the groups a stage's 512 indices touch; act-order keeps whole tables. */
    static int tabEntries(int groupKind) {
        return switch (groupKind) {
            case 0 -> 17;
            case 1 -> STAGE_INDICES / 128;
            default -> 0;
        };
    }

    /** Dynamic shared memory of a launch: per stage the packed rows, input rows and table entries (+ act tables). */
    static long smem(int bits, int groupKind, int groups) {
        long stage = (long) ROWS * 32 * 2 * bits + (long) TOKENS * STAGE_INDICES * 4 + (long) ROWS * tabEntries(groupKind) * 8;
        return STAGES * stage + (groupKind == 2 ? (long) ROWS * groups * 8 : 0);
    }

    /**
     * Dynamic shared memory of the int8 group-128 bulk ring (gtile_smem's bulk form): 3 slots of the packed rows, input
     * rows and 6 table entries per row, then 2 x 3 mbarriers.
     */
    static int bulkSmem() {
        return 3 * (ROWS * 512 + TOKENS * STAGE_INDICES * 4 + ROWS * 6 * 8) + 2 * 3 * 8;
    }

    /** Blocks of a launch: a 1-D grid of row tiles x token tiles. */
    static long blocks(int rows, int n) {
        return (long) ((rows + ROWS - 1) / ROWS) * ((n + TOKENS - 1) / TOKENS);
    }
}
