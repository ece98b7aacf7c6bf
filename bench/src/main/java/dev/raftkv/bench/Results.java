package dev.raftkv.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The points of several systems, as the table and the chart read them: systems in the order
 * they were measured (the first one is the baseline of the ratios), workloads in
 * {@link Workload} order, clients ascending.
 */
final class Results {

    private final List<Point> points;

    /** @throws IllegalArgumentException when there is no point */
    Results(List<Point> points) {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no measured point to report");
        }
        this.points = List.copyOf(points);
    }

    /** Systems in the order of their first point. */
    List<String> systems() {
        LinkedHashSet<String> systems = new LinkedHashSet<>();
        points.forEach(point -> systems.add(point.system()));
        return List.copyOf(systems);
    }

    /** The system the others are compared with: the first one measured. */
    String baseline() {
        return points.get(0).system();
    }

    List<Workload> workloads() {
        TreeSet<Workload> workloads = new TreeSet<>(Comparator.comparingInt(Workload::ordinal));
        points.forEach(point -> workloads.add(point.workload()));
        return new ArrayList<>(workloads);
    }

    List<Integer> clients() {
        TreeSet<Integer> clients = new TreeSet<>();
        points.forEach(point -> clients.add(point.clients()));
        return new ArrayList<>(clients);
    }

    /** The last point measured for this system, workload and clients, if any. */
    Optional<Point> find(String system, Workload workload, int clients) {
        Point found = null;
        for (Point point : points) {
            if (point.system().equals(system) && point.workload() == workload && point.clients() == clients) {
                found = point;
            }
        }
        return Optional.ofNullable(found);
    }
}
