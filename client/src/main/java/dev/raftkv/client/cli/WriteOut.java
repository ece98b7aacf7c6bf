package dev.raftkv.client.cli;

import com.google.protobuf.ByteString;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonStructure;
import jakarta.json.JsonValue;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The output formats of {@code -w/--write-out}.
 *
 * <p>{@code json} is one JSON value on one line, stable (fields are added, never renamed or
 * removed). A key or value {@code X} is written as two fields: {@code X} (the bytes as UTF-8
 * text, or {@code null} when they are not valid UTF-8) and {@code XBase64} (the bytes in
 * standard Base64, always present). Per command:
 * <ul>
 *   <li>{@code get}: {@code {"key","keyBase64","found","value","valueBase64"}} (no value fields
 *       when not found; exit 1 as with the other formats)</li>
 *   <li>{@code put}: {@code {"key","keyBase64","replaced","previousValue","previousValueBase64"}}</li>
 *   <li>{@code delete}: {@code {"key","keyBase64","deleted","previousValue","previousValueBase64"}}</li>
 *   <li>{@code add}: {@code {"key","keyBase64","value"}} with {@code value} a JSON number</li>
 *   <li>{@code cas}: {@code {"key","keyBase64","swapped"}}, and on a mismatch (exit 3)
 *       {@code "found"} and {@code "currentValue","currentValueBase64"}</li>
 *   <li>{@code scan}: an array of {@code {"key","keyBase64","value","valueBase64"}}</li>
 *   <li>{@code status}, {@code member list}, {@code snapshot list}: an array of objects, one per
 *       row, with the admin API's or Status answer's field names</li>
 * </ul>
 * {@code table} is an aligned table with a header; {@code simple} is each command's plain text
 * (for lists: tab-separated rows without a header).
 */
enum WriteOut {
    SIMPLE, JSON, TABLE;

    /** Adds {@code name} and {@code nameBase64} for {@code bytes}. */
    static JsonObjectBuilder bytes(JsonObjectBuilder object, String name, ByteString bytes) {
        String text = utf8(bytes);
        if (text == null) {
            object.addNull(name);
        } else {
            object.add(name, text);
        }
        return object.add(name + "Base64", Base64.getEncoder().encodeToString(bytes.toByteArray()));
    }

    /** The object of a key: {@code key}, {@code keyBase64}. */
    static JsonObjectBuilder key(ByteString key) {
        return bytes(Json.createObjectBuilder(), "key", key);
    }

    /** The bytes as text when they are valid UTF-8, else null. */
    static String utf8(ByteString bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    static void print(PrintWriter out, JsonObjectBuilder object) {
        out.println(object.build());
    }

    static void print(PrintWriter out, JsonStructure value) {
        out.println(value);
    }

    /** Prints rows (JSON objects) in this format; {@code table} when {@code format} is null. */
    static void printRows(PrintWriter out, WriteOut format, JsonArray rows, String[] columns) {
        if (format == JSON) {
            out.println(rows);
        } else if (format == SIMPLE) {
            JsonTable.printPlain(out, rows, columns);
        } else {
            JsonTable.print(out, rows, columns);
        }
    }

    /** An empty array, for lists with nothing in them. */
    static JsonArray none() {
        return JsonValue.EMPTY_JSON_ARRAY;
    }
}
