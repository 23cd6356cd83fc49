package org.mofa4j.nn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mofa4j.nn.json.Json;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Tensor;

/**
 * Crash-safe safetensors checkpoints: atomic replacement, a checksum of the data, and pruning of old files.
 *
 * <p><b>Atomic write.</b> The file is written to a temporary file in the target's directory, forced to the device
 * ({@code FileChannel.force(true)}), renamed over the target ({@code ATOMIC_MOVE}, {@code REPLACE_EXISTING}), and
 * the directory is forced so the rename itself survives a power loss. A reader therefore sees the old file or the
 * new one, never a mixture. On any failure the temporary file is deleted and the previous file is untouched.
 *
 * <p><b>Checksum.</b> The SHA-256 of the data section, in lowercase hex, is stored in {@code __metadata__} under
 * {@value #CHECKSUM_KEY}. {@link #readVerified} recomputes it while reading (no second pass over the file) and
 * rejects a mismatch. Files without the key (e.g. from Python) are read unverified. The header itself is covered by
 * the structural validation of {@link Safetensors#read}.
 *
 * <p><b>Naming.</b> {@link #fileName} gives {@code <prefix><step, 6+ digits>.safetensors}, e.g.
 * {@code ckpt-000100.safetensors}; {@link #keepLast} prunes by that step number.
 */
public final class CheckpointFiles {
    /** Metadata key of the data-section checksum. */
    public static final String CHECKSUM_KEY = "mofa4j.sha256";

    private static final String SUFFIX = ".safetensors";
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    /** Test seam: runs on the temporary file after it is fully written, before it is forced and renamed. */
    interface BeforeCommit {
        void run(Path temporary) throws IOException;
    }

    static volatile BeforeCommit beforeCommitHook = null;

    private CheckpointFiles() {}

    /** {@code prefix + step (zero-padded to 6 digits) + ".safetensors"}. */
    public static String fileName(String prefix, long step) {
        if (step < 0) {
            throw new IllegalArgumentException("CheckpointFiles.fileName: step must be >= 0, got " + step);
        }
        return prefix + String.format("%06d", step) + SUFFIX;
    }

    /** Writes {@code tensors} and {@code metadata} (may be null) atomically with a checksum; see the class comment. */
    public static void writeAtomically(Path target, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        writeAtomically(target, tensors, Map.of(), metadata);
    }

    /** Like {@link #writeAtomically(Path, Map, Map)}, with integer tensors stored as I64. */
    public static void writeAtomically(Path target, Map<String, Tensor> tensors, Map<String, IntTensor> intTensors,
            Map<String, String> metadata) throws IOException {
        Path absolute = target.toAbsolutePath();
        if (metadata != null && metadata.containsKey(CHECKSUM_KEY)) {
            throw new IllegalArgumentException("CheckpointFiles.writeAtomically: " + target + ": metadata key '"
                    + CHECKSUM_KEY + "' is reserved for the checksum");
        }
        // Validate before creating anything, so bad input leaves no temporary file behind.
        List<SafetensorsWriter.Item> items = SafetensorsWriter.items(target, tensors, intTensors);
        Map<String, String> meta = SafetensorsWriter.sortedMetadata(target, metadata);
        Path dir = absolute.getParent();
        // Not Files.createTempFile: its files are owner-only (0600); this one gets the usual permissions.
        Path temporary = dir.resolve("." + absolute.getFileName() + "." + HexFormat.of().formatHex(randomBytes())
                + ".tmp");
        FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            try (FileChannel ch = channel) {
                SafetensorsWriter.writeTo(ch, items, meta, CHECKSUM_KEY);
                BeforeCommit hook = beforeCommitHook;
                if (hook != null) {
                    hook.run(temporary);
                }
                ch.force(true);
            }
            Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable failure) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
        forceDirectory(dir);
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[6];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    /** Makes a rename in {@code dir} durable. Some platforms cannot open a directory; there it is a no-op. */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // Windows cannot open directories; the rename is still atomic, only its durability is the OS's call.
        }
    }

    /**
     * Reads {@code file} like {@link Safetensors#read} and, when it carries a {@value #CHECKSUM_KEY}, checks the
     * data section against it. A mismatch is a {@link CheckpointException} "checksum mismatch: the file is corrupt".
     */
    public static Safetensors.Contents readVerified(Path file) throws IOException {
        MessageDigest digest = Safetensors.sha256();
        Safetensors.Contents contents = SafetensorsReader.read(file, digest);
        String stored = contents.metadata().get(CHECKSUM_KEY);
        if (stored == null) {
            return contents;
        }
        if (!HEX64.matcher(stored).matches()) {
            throw new CheckpointException(file, "metadata " + CHECKSUM_KEY + " is not 64 lowercase hex digits: "
                    + Json.quote(stored));
        }
        String computed = HexFormat.of().formatHex(digest.digest());
        if (!computed.equals(stored)) {
            throw new CheckpointException(file, "checksum mismatch: the file is corrupt (the header records SHA-256 "
                    + stored + ", the data section hashes to " + computed + ")");
        }
        return contents;
    }

    /**
     * Deletes the temporary files {@code .<prefix><digits>.safetensors.<12 hex digits>.tmp} in {@code dir}: what
     * {@link #writeAtomically} leaves when its process is killed mid-write (a crash skips the clean-up). Call it only
     * while no other process writes checkpoints with this prefix into {@code dir}. Returns the deleted files.
     */
    public static List<Path> removeStaleTemporaries(Path dir, String prefix) throws IOException {
        Pattern pattern = Pattern.compile("\\." + Pattern.quote(prefix) + "[0-9]{1,18}" + Pattern.quote(SUFFIX)
                + "\\.[0-9a-f]{12}\\.tmp");
        List<Path> deleted = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (pattern.matcher(p.getFileName().toString()).matches()
                        && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(p);
                    deleted.add(p);
                }
            }
        }
        return deleted;
    }

    /**
     * Deletes the checkpoints {@code <prefix><digits>.safetensors} in {@code dir} except the {@code k} with the
     * highest step numbers. Anything else (other prefixes, temporary files, directories, links) is never touched.
     * Equal steps (e.g. {@code ckpt-7} and {@code ckpt-007}) are ordered by name. Returns the deleted files, oldest
     * first.
     */
    public static List<Path> keepLast(Path dir, String prefix, int k) throws IOException {
        if (k < 1) {
            throw new IllegalArgumentException("CheckpointFiles.keepLast: k must be >= 1 (keep at least the newest"
                    + " checkpoint), got " + k);
        }
        Pattern pattern = Pattern.compile(Pattern.quote(prefix) + "([0-9]{1,18})" + Pattern.quote(SUFFIX));
        record Found(Path path, long step) {}
        List<Found> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                Matcher m = pattern.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    found.add(new Found(p, Long.parseLong(m.group(1))));
                }
            }
        }
        found.sort(Comparator.comparingLong(Found::step).thenComparing(f -> f.path().getFileName().toString()));
        List<Path> deleted = new ArrayList<>();
        for (int i = 0; i < found.size() - k; i++) {
            Files.deleteIfExists(found.get(i).path());
            deleted.add(found.get(i).path());
        }
        return deleted;
    }
}
