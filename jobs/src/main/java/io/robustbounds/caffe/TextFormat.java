package io.robustbounds.caffe;

import java.util.ArrayList;
import java.util.List;

/**
 * A parser for protobuf's text format (what Caffe's .prototxt files are) into a generic tree, without a
 * schema: {@code name: value}, {@code name { ... }} / {@code name: { ... }} / {@code name < ... >}, the list
 * shorthand {@code name: [v1, v2]}, optional {@code ,} or {@code ;} after a field, {@code #} comments to the end
 * of the line, double- or single-quoted strings with C escapes (adjacent strings concatenate), identifiers
 * (enum values, true/false, inf, nan) and numbers. Typing the values is left to the reader that knows the
 * schema ({@link PrototxtReader}); every node keeps its line and column for its errors.
 */
final class TextFormat {
    private TextFormat() {
    }

    /** Token kinds; scalars are IDENT, NUMBER or STRING. */
    enum Kind {
        IDENT, NUMBER, STRING, PUNCT, EOF
    }

    /** A scalar value as written (strings unescaped), with where it starts. */
    record Scalar(Kind kind, String text, int line, int column) {
        String describe() {
            return kind == Kind.STRING ? '"' + text + '"' : text;
        }
    }

    /** One field occurrence: its value is a {@link Scalar} or a {@link Message}. */
    record Field(String name, Object value, int line, int column) {
    }

    /** A message: its fields in order (a repeated field occurs several times). */
    record Message(List<Field> fields, int line, int column) {
        Message {
            fields = List.copyOf(fields);
        }
    }

    static Message parse(String text, String source) {
        Parser p = new Parser(text, source);
        p.advance();
        return p.message(null, 1, 1);
    }

    private static final class Parser {
        private final String s;
        private final String source;
        private int pos;
        private int line = 1;
        private int lineStart;
        // the current token
        private Kind kind;
        private String text;
        private int tokLine;
        private int tokCol;

        Parser(String s, String source) {
            this.s = s;
            this.source = source;
        }

        PrototxtException error(int atLine, int atCol, String detail) {
            return new PrototxtException(source, atLine, atCol, detail);
        }

        PrototxtException here(String detail) {
            return error(tokLine, tokCol, detail);
        }

        String describeToken() {
            return switch (kind) {
                case EOF -> "the end of the file";
                case STRING -> "string \"" + text + "\"";
                default -> "'" + text + "'";
            };
        }

        Message message(String close, int atLine, int atCol) {
            List<Field> fields = new ArrayList<>();
            while (true) {
                if (kind == Kind.EOF) {
                    if (close != null) {
                        throw error(atLine, atCol, "message opened here is not closed (expected '" + close
                                + "' before the end of the file)");
                    }
                    return new Message(fields, atLine, atCol);
                }
                if (kind == Kind.PUNCT && text.equals(close)) {
                    advance();
                    return new Message(fields, atLine, atCol);
                }
                field(fields);
            }
        }

        void field(List<Field> out) {
            if (kind != Kind.IDENT) {
                throw here("expected a field name, got " + describeToken());
            }
            String name = text;
            int fl = tokLine, fc = tokCol;
            advance();
            boolean colon = punct(":");
            if (colon) {
                advance();
            }
            if (punct("{") || punct("<")) {
                String close = text.equals("{") ? "}" : ">";
                int ml = tokLine, mc = tokCol;
                advance();
                out.add(new Field(name, message(close, ml, mc), fl, fc));
            } else if (!colon) {
                throw here("expected ':' or '{' after field name '" + name + "', got " + describeToken());
            } else if (punct("[")) {
                advance();
                if (punct("]")) {
                    advance();
                } else {
                    while (true) {
                        out.add(listElement(name));
                        if (punct(",")) {
                            advance();
                        } else if (punct("]")) {
                            advance();
                            break;
                        } else {
                            throw here("expected ',' or ']' in the list of '" + name + "', got " + describeToken());
                        }
                    }
                }
            } else {
                out.add(new Field(name, scalar(name), fl, fc));
            }
            if (punct(",") || punct(";")) {
                advance();
            }
        }

        Field listElement(String name) {
            int el = tokLine, ec = tokCol;
            if (punct("{") || punct("<")) {
                String close = text.equals("{") ? "}" : ">";
                advance();
                return new Field(name, message(close, el, ec), el, ec);
            }
            return new Field(name, scalar(name), el, ec);
        }

        Scalar scalar(String name) {
            if (kind == Kind.IDENT || kind == Kind.NUMBER) {
                Scalar v = new Scalar(kind, text, tokLine, tokCol);
                advance();
                return v;
            }
            if (kind == Kind.STRING) {
                StringBuilder sb = new StringBuilder();
                int l = tokLine, c = tokCol;
                while (kind == Kind.STRING) {
                    sb.append(text);
                    advance();
                }
                return new Scalar(Kind.STRING, sb.toString(), l, c);
            }
            throw here("expected a value for '" + name + "', got " + describeToken());
        }

        boolean punct(String p) {
            return kind == Kind.PUNCT && text.equals(p);
        }

        /** Reads the next token into kind/text/tokLine/tokCol, skipping whitespace and comments. */
        void advance() {
            skipSpace();
            tokLine = line;
            tokCol = pos - lineStart + 1;
            if (pos >= s.length()) {
                kind = Kind.EOF;
                text = "";
                return;
            }
            char c = s.charAt(pos);
            if (Character.isLetter(c) || c == '_') {
                int start = pos;
                while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
                    pos++;
                }
                kind = Kind.IDENT;
                text = s.substring(start, pos);
            } else if (Character.isDigit(c) || c == '-' || c == '+' || c == '.') {
                number();
            } else if (c == '"' || c == '\'') {
                string(c);
            } else if ("{}<>[]:,;".indexOf(c) >= 0) {
                pos++;
                kind = Kind.PUNCT;
                text = String.valueOf(c);
            } else {
                throw error(tokLine, tokCol, "unexpected character '" + c + "'");
            }
        }

        private void skipSpace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '\n') {
                    pos++;
                    line++;
                    lineStart = pos;
                } else if (c == '#') {
                    while (pos < s.length() && s.charAt(pos) != '\n') {
                        pos++;
                    }
                } else if (Character.isWhitespace(c)) {
                    pos++;
                } else {
                    return;
                }
            }
        }

        /**
         * A number as written: optional sign, then digits, letters, '.' and an exponent sign (1e-5, 0x1F, 2.5f,
         * -inf); whether it is a valid integer or float is checked where its field's type is known.
         */
        private void number() {
            int start = pos;
            if (s.charAt(pos) == '-' || s.charAt(pos) == '+') {
                pos++;
            }
            int body = pos;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (Character.isLetterOrDigit(c) || c == '.' || c == '_') {
                    pos++;
                } else if ((c == '-' || c == '+') && pos > body && (s.charAt(pos - 1) == 'e' || s.charAt(pos - 1) == 'E')
                        && !s.substring(body, pos).toLowerCase().startsWith("0x")) {
                    pos++;
                } else {
                    break;
                }
            }
            if (pos == body) {
                throw error(tokLine, tokCol, "expected a number after '" + s.charAt(start) + "'");
            }
            kind = Kind.NUMBER;
            text = s.substring(start, pos);
        }

        private void string(char quote) {
            int startLine = tokLine, startCol = tokCol;
            pos++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= s.length() || s.charAt(pos) == '\n') {
                    throw error(startLine, startCol, "string is not closed on its line");
                }
                char c = s.charAt(pos++);
                if (c == quote) {
                    break;
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    throw error(startLine, startCol, "string is not closed on its line");
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'a' -> sb.append('\u0007');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'v' -> sb.append('\u000B');
                    case '\\', '\'', '"', '?' -> sb.append(e);
                    case 'x', 'X' -> {
                        int v = 0, n = 0;
                        while (n < 2 && pos < s.length() && Character.digit(s.charAt(pos), 16) >= 0) {
                            v = v * 16 + Character.digit(s.charAt(pos++), 16);
                            n++;
                        }
                        if (n == 0) {
                            throw error(line, pos - lineStart, "\\x without hex digits");
                        }
                        sb.append((char) v);
                    }
                    default -> {
                        if (e >= '0' && e <= '7') {
                            int v = e - '0', n = 1;
                            while (n < 3 && pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '7') {
                                v = v * 8 + (s.charAt(pos++) - '0');
                                n++;
                            }
                            sb.append((char) v);
                        } else {
                            throw error(line, pos - lineStart - 1, "unknown escape '\\" + e + "'");
                        }
                    }
                }
            }
            kind = Kind.STRING;
            text = sb.toString();
        }
    }
}
