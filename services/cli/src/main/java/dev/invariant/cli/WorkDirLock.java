package dev.invariant.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One command at a time per work directory: {@code demo}, {@code bench-pipeline} and {@code stack} empty theirs and
 * start a broker in it, so a second run there would delete the first one's files under its broker (which then
 * halts). The lock is on a file beside the directory, held until {@link #close} or until the JVM exits, however it
 * exits.
 */
public final class WorkDirLock implements AutoCloseable {
    private final FileChannel channel;

    private WorkDirLock(FileChannel channel) {
        this.channel = channel;
    }

    /**
     * Claims {@code dir} for {@code command}, or fails naming the run that holds it.
     *
     * @param workDirOption whether the command takes {@code --work-dir} (the error then suggests another one)
     */
    public static WorkDirLock claim(Path dir, String command, boolean workDirOption) {
        Path file = dir.toAbsolutePath().normalize();
        file = file.resolveSibling(file.getFileName() + ".lock");
        FileChannel channel = null;
        try {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this JVM
            }
            if (lock == null) {
                String holder = Files.readString(file).strip();
                throw new CliError(dir + " is in use by another run (" + (holder.isEmpty() ? "a process" : holder)
                        + "): wait for it to end or stop it"
                        + (workDirOption ? ", or give this one another --work-dir" : ""));
            }
            channel.truncate(0).write(ByteBuffer.wrap(("invariant " + command + ", pid " + ProcessHandle.current()
                    .pid()).getBytes(StandardCharsets.UTF_8)));
            var held = new WorkDirLock(channel);
            channel = null;
            return held;
        } catch (IOException e) {
            throw new CliError("cannot lock " + file + ": " + e.getMessage());
        } finally {
            if (channel != null) closeQuietly(channel);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel); // releases the lock
    }

    private static void closeQuietly(FileChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // the lock goes with the channel either way
        }
    }
}
