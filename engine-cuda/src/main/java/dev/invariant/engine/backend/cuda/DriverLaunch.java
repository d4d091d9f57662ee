package dev.invariant.engine.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

/**
 * Kernel launches through the driver's {@code cuLaunchKernelEx}, called with the FFM API (JCuda 12.6 has no binding
 * for it), so that a launch can carry the programmatic-stream-serialization attribute: the kernel may start while
 * the one before it on the stream still runs, request its weights, and wait (kernels/chain.cuh) before it reads
 * anything the step writes. Inside a stream capture this becomes a programmatic edge of the graph. Only for kernels
 * that wait that way; the others are launched with the attribute off, as cuLaunchKernel would. Single-threaded, as
 * the engine's stream is: the argument buffers are reused (the driver copies the arguments at launch).
 */
final class DriverLaunch {
    private static final int MAX_ARGS = 32;
    private static final int CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6;
    // CUlaunchConfig: 7 unsigned ints, the stream at 32, the attributes at 40, their count at 48; 56 bytes
    private static final long CONFIG_STREAM = 32, CONFIG_ATTRS = 40, CONFIG_NUM_ATTRS = 48, CONFIG_BYTES = 56;
    // CUlaunchAttribute: the id, padded to 8, then a 64-byte value union
    private static final long ATTR_VALUE = 8, ATTR_BYTES = 72;

    private static final MethodHandle LAUNCH;
    private static final VarHandle NATIVE_POINTER;
    private static final VarHandle BYTE_OFFSET;

    static {
        try {
            SymbolLookup cuda = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
            LAUNCH = Linker.nativeLinker().downcallHandle(cuda.findOrThrow("cuLaunchKernelEx"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            NATIVE_POINTER = MethodHandles.privateLookupIn(NativePointerObject.class, MethodHandles.lookup())
                    .findVarHandle(NativePointerObject.class, "nativePointer", long.class);
            BYTE_OFFSET = MethodHandles.privateLookupIn(Pointer.class, MethodHandles.lookup())
                    .findVarHandle(Pointer.class, "byteOffset", long.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MemorySegment config;
    private final MemorySegment attr;
    private final MemorySegment slots;
    private final MemorySegment args;
    private final long stream;

    DriverLaunch(CUstream stream) {
        Arena arena = Arena.ofAuto();
        this.config = arena.allocate(CONFIG_BYTES, 8);
        this.attr = arena.allocate(ATTR_BYTES, 8);
        this.slots = arena.allocate(8L * MAX_ARGS, 8);
        this.args = arena.allocate(8L * MAX_ARGS, 8);
        for (int i = 0; i < MAX_ARGS; i++) args.setAtIndex(ADDRESS, i, slots.asSlice(8L * i, 8));
        this.stream = address(stream);
        attr.set(JAVA_INT, 0, CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION);
        attr.set(JAVA_INT, ATTR_VALUE, 1);
    }

    /** The device address a JCuda pointer or handle stands for (its base plus any byte offset). */
    static long address(NativePointerObject p) {
        long base = (long) NATIVE_POINTER.get(p);
        return p instanceof Pointer q ? base + (long) BYTE_OFFSET.get(q) : base;
    }

    /**
     * Launches f on a gx × gy × gz grid of {@code threads}-thread blocks; {@code dependent}: it may start before the kernel
     * before it ends (it must wait, kernels/chain.cuh). Arguments: device pointers (null for none), Integer, Float, Long.
     */
    void launch(CUfunction f, int gx, int gy, int gz, int threads, int smem, boolean dependent, Object... a) {
        if (a.length > MAX_ARGS) throw new IllegalArgumentException(a.length + " kernel arguments, at most " + MAX_ARGS);
        for (int i = 0; i < a.length; i++) {
            long at = 8L * i;
            switch (a[i]) {
                case null -> slots.set(JAVA_LONG, at, 0L);
                case CUdeviceptr p -> slots.set(JAVA_LONG, at, address(p));
                case Integer v -> slots.set(JAVA_INT, at, v);
                case Float v -> slots.set(JAVA_FLOAT, at, v);
                case Long v -> slots.set(JAVA_LONG, at, v);
                default -> throw new IllegalArgumentException("kernel argument " + a[i].getClass());
            }
        }
        config.set(JAVA_INT, 0, gx);
        config.set(JAVA_INT, 4, gy);
        config.set(JAVA_INT, 8, gz);
        config.set(JAVA_INT, 12, threads);
        config.set(JAVA_INT, 16, 1);
        config.set(JAVA_INT, 20, 1);
        config.set(JAVA_INT, 24, smem);
        config.set(JAVA_LONG, CONFIG_STREAM, stream);
        config.set(ADDRESS, CONFIG_ATTRS, dependent ? attr : MemorySegment.NULL);
        config.set(JAVA_INT, CONFIG_NUM_ATTRS, dependent ? 1 : 0);
        int rc;
        try {
            rc = (int) LAUNCH.invokeExact(config, MemorySegment.ofAddress(address(f)), args, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException("cuLaunchKernelEx could not be called", t);
        }
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new IllegalStateException("cuLaunchKernelEx failed: " + CUresult.stringFor(rc));
        }
    }
}
