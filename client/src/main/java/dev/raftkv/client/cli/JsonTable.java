package dev.raftkv.client.cli;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Prints JSON objects as an aligned text table, one row per object, one column per field. */
final class JsonTable {

    private JsonTable() {
    }

    static void print(PrintWriter out, JsonArray rows) {
        Set<String> columns = new LinkedHashSet<>();
        for (JsonValue row : rows) {
            columns.addAll(row.asJsonObject().keySet());
        }
        List<String> names = new ArrayList<>(columns);
        List<List<String>> cells = new ArrayList<>();
        for (JsonValue row : rows) {
            JsonObject object = row.asJsonObject();
            List<String> line = new ArrayList<>();
            for (String name : names) {
                line.add(text(object.get(name)));
            }
            cells.add(line);
        }
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
