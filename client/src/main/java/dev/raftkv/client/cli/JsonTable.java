package dev.raftkv.client.cli;

import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Prints JSON objects as an aligned text table, one row per object, one column per field: the
 * given columns first, in their order, then any others. Fields named {@code *Millis} (epoch
 * milliseconds) print as UTC times with their age, {@code *Bytes} as sizes in KiB/MiB/GiB.
 */
final class JsonTable {

    private JsonTable() {
    }

    static void print(PrintWriter out, JsonArray rows) {
        print(out, rows, new String[0]);
    }

    static void print(PrintWriter out, JsonArray rows, String[] preferred) {
        List<String> names = columns(rows, preferred);
        List<List<String>> cells = cells(rows, names);
        int[] widths = new int[names.size()];
        for (int i = 0; i < names.size(); i++) {
            widths[i] = names.get(i).length();
            for (List<String> line : cells) {
                widths[i] = Math.max(widths[i], line.get(i).length());
            }
        }
        out.println(format(names, widths));
        for (List<String> line : cells) {
            out.println(format(line, widths));
        }
    }

    /** Tab-separated rows, no header (the {@code simple} format). */
    static void printPlain(PrintWriter out, JsonArray rows, String[] preferred) {
        List<String> names = columns(rows, preferred);
        for (List<String> line : cells(rows, names)) {
            out.println(String.join("\t", line));
        }
    }

    private static List<String> columns(JsonArray rows, String[] preferred) {
        Set<String> present = new LinkedHashSet<>();
        for (JsonValue row : rows) {
            present.addAll(row.asJsonObject().keySet());
        }
        Set<String> columns = new LinkedHashSet<>();
        for (String name : preferred) {
            if (present.contains(name)) {
                columns.add(name);
            }
        }
        columns.addAll(present);
        return new ArrayList<>(columns);
    }

    private static List<List<String>> cells(JsonArray rows, List<String> names) {
        List<List<String>> cells = new ArrayList<>();
        for (JsonValue row : rows) {
            JsonObject object = row.asJsonObject();
            List<String> line = new ArrayList<>();
            for (String name : names) {
                line.add(cell(name, object.get(name)));
            }
            cells.add(line);
        }
        return cells;
    }

    private static String cell(String name, JsonValue value) {
        if (value instanceof JsonNumber number) {
            if (name.endsWith("Millis")) {
                return HumanUnits.time(number.longValue(), System.currentTimeMillis());
            }
            if (name.endsWith("Bytes")) {
                return HumanUnits.size(number.longValue());
            }
        }
        return text(value);
    }

    static String text(JsonValue value) {
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return "-";
        }
        if (value instanceof JsonString s) {
            return s.getString();
        }
        return value.toString();
    }

    private static String format(List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                line.append("  ");
            }
            line.append(i == cells.size() - 1 ? cells.get(i) : pad(cells.get(i), widths[i]));
        }
        return line.toString();
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(width - text.length());
    }
}
