package io.robustbounds.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the delimited text files the importers take (CSV, UCI data), refusing what is not text with an error that
 * names the file and the offending byte: a missing or unreadable file, a folder, a NUL byte (a binary file), bytes
 * that are not UTF-8. A leading UTF-8 byte-order mark (as spreadsheet programs write it) is dropped, so that it
 * does not become part of the first column's name.
 */
final class TextFiles {
    private TextFiles() {
    }

    /** The file's lines, split as {@link Files#readAllLines} splits them. */
    static List<String> readLines(Path file) throws IOException {
        byte[] bytes = readBytes(file);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new IllegalArgumentException(file + ": not a text file (byte 0x00 at offset " + i + "); expected delimited text");
            }
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            throw new IllegalArgumentException(file + ": not UTF-8 text (byte 0x" + String.format("%02x", bytes[Math.min(at, bytes.length - 1)])
                    + " at offset " + at + "); expected delimited text");
        }
        String text = out.flip().toString();
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        return text.lines().toList();
    }

    private static byte[] readBytes(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + ": is a folder, expected a file");
        }
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(file + ": cannot be read (permission denied)");
        } // any other I/O error is a failure of the run, not of the input
    }
}
