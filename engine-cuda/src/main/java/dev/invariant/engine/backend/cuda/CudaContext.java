package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.*;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * One GPU through the CUDA driver API: its primary context, the engine's one stream, the kernel modules (fatbins
 * built by kernels/build at compile time, never compiled at run time) and every allocation, freed on close.
 * The context is made current on whichever thread calls {@link #makeCurrent()}: the engine thread, each step.
 */
final class CudaContext implements AutoCloseable {
    private static final String KERNELS = "/dev/invariant/engine/backend/cuda/kernels/";

    final CUdevice device = new CUdevice();
    final CUcontext context = new CUcontext();
    final CUstream stream = new CUstream();
    final String name;
    final String driverVersion;
    private final String description;
    final int smMajor;
    final int smMinor;
    final int multiprocessors;
    final int maxSharedPerBlock;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final List<CUdeviceptr> allocations = new ArrayList<>();
    private final List<Pointer> pinned = new ArrayList<>();

    private CudaContext(int ordinal) {
        cuDeviceGet(device, ordinal);
        cuDevicePrimaryCtxRetain(context, device);
        cuCtxSetCurrent(context);
        cuStreamCreate(stream, 0);
        byte[] n = new byte[256];
        cuDeviceGetName(n, n.length, device);
        int len = 0;
        while (len < n.length && n[len] != 0) len++;
        this.name = new String(n, 0, len, java.nio.charset.StandardCharsets.US_ASCII).trim();
        int[] v = new int[1];
        cuDriverGetVersion(v);
        this.driverVersion = v[0] / 1000 + "." + (v[0] % 1000) / 10;
        this.smMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        this.smMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        this.multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        this.maxSharedPerBlock = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        // read once: every completion names its backend, and /proc need not be read for each
        String release = driverRelease();
        this.description = name + " sm_" + smMajor + smMinor + (release == null ? "" : " driver " + release)
                + " cuda " + driverVersion;
    }

    /** Opens GPU {@code ordinal}, or explains why this machine cannot run the CUDA backend. */
    static CudaContext open(int ordinal) {
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] count = new int[1];
            cuDeviceGetCount(count);
            if (count[0] <= ordinal) throw unavailable("no CUDA GPU " + ordinal + " (this machine has " + count[0] + ")");
            CudaContext c = new CudaContext(ordinal);
            if (c.smMajor < 9) {
                c.close();
                throw unavailable(c.name + " is sm_" + c.smMajor + c.smMinor + "; the kernels are built for sm_90 and newer");
            }
            return c;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            // JCuda's message holds nested stack traces; what matters is whether the driver itself is missing
            String m = String.valueOf(e.getMessage());
            throw unavailable(m.contains("libcuda.so") ? "no NVIDIA driver is installed (libcuda.so.1 was not found)"
                    : "the JCuda driver binding could not be loaded (" + m.lines().findFirst().orElse(m) + ")");
        } catch (CudaException e) {
            throw unavailable("the CUDA driver reports " + e.getMessage());
        }
    }

    static EngineException unavailable(String why) {
        return new EngineException(ErrorCode.BACKEND_UNAVAILABLE, "the cuda backend cannot run here: " + why
                + ". Use --backend cpu (the same bits in the portable profile), or run on a machine with an NVIDIA"
                + " Hopper GPU and its driver");
    }

    private int attribute(int a) {
        int[] v = new int[1];
        cuDeviceGetAttribute(v, a, device);
        return v[0];
    }

    void makeCurrent() {
        cuCtxSetCurrent(context);
    }

    /** GPU, compute capability, driver release (where the kernel module says it) and the CUDA version it serves. */
    String describe() {
        return description;
    }

    /** The NVIDIA kernel module's release (e.g. 580.159.04) from /proc on Linux; null where it cannot be read. */
    static String driverRelease() {
        try {
            return driverRelease(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/driver/nvidia/version")));
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** The release in the text of /proc/driver/nvidia/version (proprietary or open kernel module); null if absent. */
    static String driverRelease(String procText) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("Kernel Module(?:\\s+for\\s+\\S+)?\\s+([0-9]+(?:\\.[0-9]+)+)").matcher(procText);
        return m.find() ? m.group(1) : null;
    }

    /** A kernel from the fatbin of {@code op} (kernels/op.cu). */
    CUfunction function(String op, String kernel) {
        CUmodule m = modules.computeIfAbsent(op, this::load);
        CUfunction f = new CUfunction();
        cuModuleGetFunction(f, m, kernel);
        return f;
    }

    private CUmodule load(String op) {
        byte[] image;
        try (InputStream in = CudaContext.class.getResourceAsStream(KERNELS + op + ".fatbin")) {
            if (in == null) {
                throw unavailable("kernel " + op + ".fatbin is not in this build (it was built without nvcc); build on a"
                        + " machine with the CUDA toolkit (kernels/build)");
            }
            image = in.readAllBytes();
        } catch (IOException e) {
            throw new EngineException(ErrorCode.INTERNAL, "reading kernel " + op + ": " + e, e);
        }
        CUmodule m = new CUmodule();
        cuModuleLoadData(m, image);
        return m;
    }

    CUdeviceptr alloc(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, Math.max(bytes, 16));
        allocations.add(p);
        return p;
    }

    void free(CUdeviceptr p) {
        if (allocations.remove(p)) cuMemFree(p);
    }

    /** Page-locked host memory, so copies run asynchronously on the stream. */
    record Pinned(Pointer pointer, ByteBuffer buffer) {
    }

    Pinned pinned(long bytes) {
        Pointer p = new Pointer();
        cuMemHostAlloc(p, bytes, 0);
        pinned.add(p);
        return new Pinned(p, p.getByteBuffer(0, bytes).order(ByteOrder.LITTLE_ENDIAN));
    }

    /** Copies host bytes to the device synchronously (weights, tables: once, at start). */
    void upload(CUdeviceptr dst, long offset, java.lang.foreign.MemorySegment src) {
        final long piece = 1L << 30;
        for (long o = 0; o < src.byteSize(); o += piece) {
            long len = Math.min(piece, src.byteSize() - o);
            ByteBuffer b = src.asSlice(o, len).asByteBuffer();
            cuMemcpyHtoD(dst.withByteOffset(offset + o), Pointer.to(b), len);
        }
    }

    CUdeviceptr upload(float[] v) {
        CUdeviceptr p = alloc(4L * v.length);
        cuMemcpyHtoD(p, Pointer.to(v), 4L * v.length);
        return p;
    }

    /** Device addresses (or any longs) in device memory: a table a kernel picks its weights from. */
    CUdeviceptr upload(long[] v) {
        CUdeviceptr p = alloc(8L * v.length);
        cuMemcpyHtoD(p, Pointer.to(v), 8L * v.length);
        return p;
    }

    long freeMemory() {
        return memInfo()[0];
    }

    /** The device's memory in bytes, in use or not. */
    long totalMemory() {
        return memInfo()[1];
    }

    private static long[] memInfo() {
        long[] free = new long[1];
        long[] total = new long[1];
        cuMemGetInfo(free, total);
        return new long[] {free[0], total[0]};
    }

    void synchronize() {
        cuStreamSynchronize(stream);
    }

    @Override
    public void close() {
        cuCtxSetCurrent(context);
        for (CUdeviceptr p : allocations) cuMemFree(p);
        allocations.clear();
        for (Pointer p : pinned) cuMemFreeHost(p);
        pinned.clear();
        for (CUmodule m : modules.values()) cuModuleUnload(m);
        modules.clear();
        cuDevicePrimaryCtxRelease(device);
    }
}
