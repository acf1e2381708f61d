package io.robustbounds.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 3: a malformed label is a reject with its line, column and reason, never a class of its own, and the
 * labels of the other rows keep their meaning. Each case runs the command line (import-csv, import-uci).
 */
class BadLabelsTest {
    static final String CONF = "../conf/robustbounds.conf";

    /** Exit code and standard error of a command. */
    record Run(int code, String err) {
    }

    static Run run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Run(Main.run(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    static Run importCsv(Path csv, Path out, String... sets) {
        List<String> args = new java.util.ArrayList<>(List.of("import-csv", "-c", CONF, "--set", "import-csv.input=\"" + csv + "\"",
                "--set", "import-csv.output=\"" + out + "\"", "--set", "import-csv.label-column=class"));
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return run(args.toArray(String[]::new));
    }

    /** The rejects file's lines without the header, each without the leading file column. */
    static List<String> rejects(Path set) throws Exception {
        return Files.readAllLines(set.resolve("_rejects.csv")).stream().skip(1).map(l -> l.substring(l.indexOf('\t') + 1)).toList();
    }

    @Test
    void emptyLabelIsARejectAndShiftsNothing(@TempDir Path dir) throws Exception {
        Path csv = Files.writeString(dir.resolve("in.csv"), """
                a,b,class
                1,2,cat
                3,4,
                5,6,dog
                7,8,cat
                """);
        Path set = dir.resolve("set");
        Run r = importCsv(csv, set);
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("3\tclass\tthe label is empty\t3,4,"), rejects(set));
        assertEquals(List.of("cat", "dog"), TestSetFiles.metadata(set).classes(), "no class '' before cat");
        assertEquals(List.of(0, 1, 0), TestSetFiles.rows(set).stream().map(TestSetFiles.Row::label).toList());
        assertEquals(List.of(2L, 4L, 5L), TestSetFiles.rows(set).stream().map(TestSetFiles.Row::id).toList());
    }

    @Test
    void decimalLabelAmongIntegersIsAReject(@TempDir Path dir) throws Exception {
        Path csv = Files.writeString(dir.resolve("in.csv"), """
                a,b,class
                1,2,0
                3,4,2.0
                5,6,2
                7,8,1
                """);
        Path set = dir.resolve("set");
        assertEquals(0, importCsv(csv, set).code());
        assertEquals(List.of("3\tclass\tlabel '2.0' is a decimal number, the other labels are integers"
                + " (import-csv.classes lists the class names when they are meant)\t3,4,2.0"), rejects(set));
        assertEquals(List.of(), TestSetFiles.metadata(set).classes(), "integer labels: no names made up");
        assertEquals(List.of(0, 2, 1), TestSetFiles.rows(set).stream().map(TestSetFiles.Row::label).toList(), "2 stays 2");
    }

    @Test
    void numberAmongNamesIsAReject(@TempDir Path dir) throws Exception {
        Path csv = Files.writeString(dir.resolve("in.csv"), """
                a,b,class
                1,2,cat
                3,4,7
                5,6,dog
                """);
        Path set = dir.resolve("set");
        assertEquals(0, importCsv(csv, set).code());
        assertEquals(List.of("3\tclass\tlabel '7' is an integer, the other labels are names"
                + " (import-csv.classes lists the class names when they are meant)\t3,4,7"), rejects(set));
        assertEquals(List.of("cat", "dog"), TestSetFiles.metadata(set).classes());
    }

    /** Issue 14, item 6 as well: an integer label beyond the int range (or negative) is a reject, not an exception. */
    @Test
    void integerLabelOutsideTheIntRangeIsAReject(@TempDir Path dir) throws Exception {
        Path csv = Files.writeString(dir.resolve("in.csv"), """
                a,b,class
                1,2,0
                3,4,3000000000
                5,6,-1
                7,8,1
                9,10,99999999999999999999999
                """);
        Path set = dir.resolve("set");
        Run r = importCsv(csv, set);
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("3\tclass\tlabel 3000000000 is outside the int range\t3,4,3000000000",
                "4\tclass\tlabel -1 is negative (integer labels are class indices)\t5,6,-1",
                "6\tclass\tlabel 99999999999999999999999 is outside the int range\t9,10,99999999999999999999999"), rejects(set));
        assertEquals(List.of(0, 1), TestSetFiles.rows(set).stream().map(TestSetFiles.Row::label).toList());
    }

    @Test
    void givenClassesStillRejectOthers(@TempDir Path dir) throws Exception {
        Path csv = Files.writeString(dir.resolve("in.csv"), """
                a,b,class
                1,2,dog
                3,4,Dog
                5,6,cat
                """);
        Path set = dir.resolve("set");
        assertEquals(0, importCsv(csv, set, "import-csv.classes=[cat, dog]").code());
        assertEquals(List.of("3\tclass\tclass 'Dog' is not one of [cat, dog]\t3,4,Dog"), rejects(set));
        assertEquals(List.of(1, 0), TestSetFiles.rows(set).stream().map(TestSetFiles.Row::label).toList());
    }

    @Test
    void everyLineRejectedIsAnError(@TempDir Path dir) throws Exception {
        Path csv = Files.writeString(dir.resolve("in.csv"), """
                a,b,class
                1,x,0
                3,4,
                """);
        Run r = importCsv(csv, dir.resolve("set"));
        assertEquals(2, r.code());
        assertEquals("error: " + csv + ": no readable lines (2 rejected; the first, line 2, column b: 'x' is not a number)", r.err().strip());
        assertFalse(Files.exists(dir.resolve("set")), "nothing written");
    }

    /** A footer's class that is not a string would have become the class "" (Jackson's asText of an object). */
    @Test
    void footerClassesMustBeNames() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> TestSetMetadata.fromJson(
                "{\"shape\":[2],\"range\":[0,1],\"classes\":[\"a\",{}]}", "part-0.parquet"));
        assertEquals("part-0.parquet: footer robustbounds.testset 'classes' must be a list of names, got [\"a\",{}]", e.getMessage());
    }

    @Test
    void uciClassWrittenUnlikeTheOthersIsAReject(@TempDir Path dir) throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            b.append(i).append(',').append(i % 7).append(',').append(1 + i % 3).append('\n');
        }
        b.append("1,2,2.0\n").append("3,4,\n");
        Path in = Files.writeString(dir.resolve("wine-like.data"), b);
        Path out = dir.resolve("out");
        Run r = run("import-uci", "-c", CONF, "--input", in.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> rejects = rejects(out);
        assertEquals(List.of("31\tcolumn 2\tclass '2.0' is a decimal number, the other classes are integers"
                + " (import-uci.classes lists the class names when they are meant)\t1,2,2.0", "32\tcolumn 2\tthe class is empty\t3,4,"), rejects);
        assertEquals(List.of("1", "2", "3"), TestSetFiles.metadata(out.resolve("train")).classes());
        assertTrue(Files.exists(out.resolve("validation")));
    }
}
