package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The driver release each completion's backend names, read from the kernel module's /proc text (no GPU needed). */
class DriverReleaseTest {
    @Test
    void proprietaryModule() {
        assertEquals("580.159.04", CudaContext.driverRelease(
                "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.159.04  Thu Oct  2 10:11:12 UTC 2025\n"
                        + "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n"));
    }

    @Test
    void openModule() {
        assertEquals("575.57.08", CudaContext.driverRelease(
                "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  575.57.08  Release Build  (dvs-builder@U16)\n"));
    }

    @Test
    void noRelease() {
        assertNull(CudaContext.driverRelease("something else entirely"));
    }
}
