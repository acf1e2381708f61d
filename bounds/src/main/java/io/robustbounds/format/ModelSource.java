package io.robustbounds.format;

import io.robustbounds.model.ModelException;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * The archive side of reading a model: where its files come from (a folder, or the entries of a zip read as a stream)
 * and the refusals that keep a hostile folder or zip from reading outside it or inflating without bound. What the
 * files mean is {@link ModelJson}'s.
 */
final class ModelSource {
    private ModelSource() {
    }

    /** A file's content and its length in bytes. */
    record Content(InputStream in, long size) implements Closeable {
        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Why a file of a model is not read: the reason completes a sentence naming the file. */
    static final class Refused extends Exception {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The files of one model: a folder or the entries of a zip. */
    interface Source {
        /** The file's content, or null when there is no such file. */
        Content open(String file) throws IOException, Refused;

        /** Told, once model.json is read, which files it names: the only ones {@link #open} will be asked for. */
        default void willOpen(Set<String> files) throws IOException {
        }

        /** The container, for messages. */
        String where();

        default String where(String file) {
            return where() + "/" + file;
        }
    }

    /**
     * A model folder. Its files must be regular files directly in it: a symbolic link is refused (a weight linked
     * to a file elsewhere would be read from there), and every file is opened without following links, after
     * checking that its real path lies inside the folder's real path. The folder itself may be reached through a
     * link (the user named it).
     */
    record Folder(Path dir, Path real) implements Source {
        static Folder of(Path dir) {
            try {
                return new Folder(dir, dir.toRealPath());
            } catch (IOException e) {
                throw new ModelException(dir + ": cannot read model folder: " + e, e);
            }
        }

        @Override
        public Content open(String file) throws IOException, Refused {
            Path p = real.resolve(file);
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return null;
            }
            if (a.isSymbolicLink()) {
                throw new Refused("is a symbolic link (to " + Files.readSymbolicLink(p) + "); refused: a model's files"
                        + " must be regular files inside its folder");
            }
            if (!a.isRegularFile()) {
                throw new Refused("is not a regular file");
            }
            if (!p.toRealPath().startsWith(real)) { // cannot happen for a plain file name; kept as the last word
                throw new Refused("resolves to " + p.toRealPath() + ", outside the model folder " + real);
            }
            SeekableByteChannel channel = Files.newByteChannel(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            return new Content(new BufferedInputStream(Channels.newInputStream(channel)), channel.size());
        }

        @Override
        public String where() {
            return dir.toString();
        }
    }

    /** Opens the zip's bytes from the start, once per pass. */
    interface Opener {
        InputStream open() throws IOException;
    }

    /**
     * A zip read as a stream, in passes: the first checks every entry name, finds model.json (at the root, or in
     * a single top folder) and keeps it; the second keeps the entries model.json names and nothing else. Each
     * pass counts what it inflates, entries kept or skipped, while reading (the sizes the zip declares are not
     * trusted): an entry over {@link #ModelFormat.MAX_ZIP_ENTRY_BYTES}, or more than {@link #ModelFormat.MAX_ZIP_RATIO} times the zip's
     * size in all (at least {@link #ModelFormat.ZIP_RATIO_FLOOR}), is refused.
     */
    static final class Zip implements Source {
        private final Opener opener;
        private final String name;
        private final long budget;
        private final String root;
        /** The most bytes one entry model.json names may inflate to ({@link ModelFormat#MAX_ZIP_ENTRY_BYTES}). */
        private final long entryLimit;
        /** Entries kept, by full name: their bytes in chunks. */
        private final Map<String, List<byte[]>> kept = new HashMap<>();

        private Zip(Opener opener, String name, long size, String root, long entryLimit) {
            this.opener = opener;
            this.entryLimit = entryLimit;
            this.name = name;
            this.budget = Math.max(ModelFormat.ZIP_RATIO_FLOOR, size > Long.MAX_VALUE / ModelFormat.MAX_ZIP_RATIO ? Long.MAX_VALUE : size * ModelFormat.MAX_ZIP_RATIO);
            this.root = root;
        }

        static Zip scan(Opener opener, long size, String name) throws IOException {
            return scan(opener, size, name, ModelFormat.MAX_ZIP_ENTRY_BYTES);
        }

        /** {@link #scan(Opener, long, String)} with another cap per named entry (tests: the cap without a 1 GiB entry). */
        static Zip scan(Opener opener, long size, String name, long entryLimit) throws IOException {
            Set<String> names = new LinkedHashSet<>();
            Map<String, List<byte[]>> jsons = new HashMap<>();
            int[] tops = {0};
            Zip zip = new Zip(opener, name, size, "", entryLimit);
            zip.pass((entry, in) -> {
                String n = entry.getName();
                if (n.startsWith("/") || n.contains("\\") || n.matches("[A-Za-z]:.*")
                        || Arrays.asList(n.split("/")).contains("..")) {
                    throw new ModelException(name + ": zip entry '" + n + "' has an unsafe name (an absolute path,"
                            + " '..' or '\\'); refused");
                }
                if (!names.add(n)) {
                    throw new ModelException(name + ": the zip holds '" + n + "' twice");
                }
                // kept: model.json at the root and the first in a top folder (a second one means no single root)
                return (n.equals(ModelFormat.MODEL_JSON) || topJson(n) && tops[0]++ == 0) && zip.keep(jsons, n, in, ModelFormat.MAX_JSON_BYTES);
            });
            if (names.isEmpty()) {
                throw new ModelException(name + ": not a model folder or zip (no zip entries found)");
            }
            // A zip of the folder itself ("zip -r m.zip m/") has its files under one top folder.
            List<String> roots = names.stream().filter(Zip::topJson)
                    .map(n -> n.substring(0, n.length() - ModelFormat.MODEL_JSON.length())).toList();
            String root = names.contains(ModelFormat.MODEL_JSON) || roots.size() != 1 ? "" : roots.get(0);
            Zip found = new Zip(opener, name, size, root, entryLimit);
            if (jsons.containsKey(root + ModelFormat.MODEL_JSON)) {
                found.kept.put(root + ModelFormat.MODEL_JSON, jsons.get(root + ModelFormat.MODEL_JSON));
            }
            return found;
        }

        /** "m/model.json": model.json in a top folder. */
        private static boolean topJson(String entry) {
            return entry.endsWith("/" + ModelFormat.MODEL_JSON) && entry.indexOf('/') == entry.length() - ModelFormat.MODEL_JSON.length() - 1;
        }

        @Override
        public void willOpen(Set<String> files) throws IOException {
            Set<String> wanted = new HashSet<>();
            files.forEach(f -> wanted.add(root + f));
            pass((entry, in) -> !entry.getName().equals(root + ModelFormat.MODEL_JSON) && wanted.contains(entry.getName())
                    && keep(kept, entry.getName(), in, entryLimit));
        }

        /** What a pass does with an entry: read it (and return true) or leave it to be skipped. */
        private interface Visit {
            boolean visit(ZipEntry entry, InputStream in) throws IOException;
        }

        /** One pass over every entry; the stream handed to visit counts against the entry's and the zip's limits. */
        private void pass(Visit visit) throws IOException {
            long[] total = {0};
            try (ZipInputStream zip = new ZipInputStream(opener.open())) {
                for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                    if (e.isDirectory()) {
                        continue;
                    }
                    String entry = e.getName();
                    InputStream counted = new FilterInputStream(zip) {
                        @Override
                        public int read() throws IOException {
                            byte[] one = new byte[1];
                            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
                        }

                        @Override
                        public int read(byte[] b, int off, int len) throws IOException {
                            int n = super.read(b, off, len);
                            if (n > 0 && (total[0] += n) > budget) {
                                throw new ModelException(name + ": inflates to over " + budget + " bytes (the limit: "
                                        + ModelFormat.MAX_ZIP_RATIO + " times the zip's size, at least " + ModelFormat.ZIP_RATIO_FLOOR
                                        + "); refused as a possible zip bomb, at entry '" + entry + "'");
                            }
                            return n;
                        }

                        @Override
                        public void close() {
                            // the zip stream stays open for the next entry
                        }
                    };
                    if (!visit.visit(e, counted)) {
                        counted.transferTo(OutputStream.nullOutputStream()); // skipped, but counted
                    }
                }
            } catch (ZipException e) {
                throw new ModelException(name + ": not a readable zip: " + e.getMessage(), e);
            }
        }

        /** Reads the entry into chunks (at most limit bytes) under its name; returns true. */
        private boolean keep(Map<String, List<byte[]>> into, String entry, InputStream in, long limit) throws IOException {
            List<byte[]> chunks = new ArrayList<>();
            long size = 0;
            for (byte[] chunk; (chunk = in.readNBytes(1 << 20)).length > 0; ) {
                size += chunk.length;
                if (size > limit) {
                    throw new ModelException(name + "!/" + entry + ": over " + limit + " bytes uncompressed (the limit"
                            + " for " + (limit == ModelFormat.MAX_JSON_BYTES ? ModelFormat.MODEL_JSON : "one entry") + "); refused");
                }
                chunks.add(chunk);
            }
            into.put(entry, chunks);
            return true;
        }

        @Override
        public Content open(String file) {
            List<byte[]> chunks = kept.get(root + file);
            if (chunks == null) {
                return null;
            }
            List<InputStream> parts = new ArrayList<>();
            long size = 0;
            for (byte[] c : chunks) {
                parts.add(new ByteArrayInputStream(c));
                size += c.length;
            }
            return new Content(new SequenceInputStream(Collections.enumeration(parts)), size);
        }

        @Override
        public String where() {
            return name + (root.isEmpty() ? "" : "!/" + root.substring(0, root.length() - 1));
        }

        @Override
        public String where(String file) {
            return name + "!/" + root + file;
        }
    }
}
