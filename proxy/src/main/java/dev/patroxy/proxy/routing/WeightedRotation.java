package dev.patroxy.proxy.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The order a {@code roundrobin} listener hands new sessions out in, by weight: one cycle of a smooth weighted round
 * robin, so that a server of weight 3 next to one of weight 1 gets three sessions in four, spread rather than in a
 * row. Computed when the routing changes, so that picking a server stays one index into a list.
 */
final class WeightedRotation {
    private WeightedRotation() {
    }

    /** One cycle over {@code servers} (weights above 0), each as often as its weight over their common divisor. */
    static List<Backend> of(List<Backend> servers, ToIntFunction<Backend> weightOf) {
        int n = servers.size();
        int[] weights = new int[n];
        int divisor = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = weightOf.applyAsInt(servers.get(i));
            divisor = gcd(divisor, weights[i]);
        }
        if (n < 2 || allEqual(weights)) {
            return servers;
        }
        int total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] /= divisor;
            total += weights[i];
        }
        int[] credit = new int[n];
        List<Backend> cycle = new ArrayList<>(total);
        for (int turn = 0; turn < total; turn++) {
            int best = 0;
            for (int i = 0; i < n; i++) {
                credit[i] += weights[i];
                if (credit[i] > credit[best]) {
                    best = i;
                }
            }
            credit[best] -= total;
            cycle.add(servers.get(best));
        }
        return List.copyOf(cycle);
    }

    private static boolean allEqual(int[] weights) {
        for (int w : weights) {
            if (w != weights[0]) {
                return false;
            }
        }
        return true;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
