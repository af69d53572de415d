package io.serdistill.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.serdistill.train.Optimisation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One model family's hyper-parameter grid (ser.teachers.grid, ser.student.grid): each key lists candidate values of
 * the family's own key of that name, and the grid is their Cartesian product. Every point is the family's settings
 * with those keys replaced, parsed and validated exactly as the family block is, so a grid value the family block
 * would refuse is refused here, naming the grid key. An empty grid has no points: the family trains as configured,
 * without selection.
 *
 * <p>{@code grid = auto} (the teachers' default), for a family that trains by full-batch L-BFGS (an MLP on pooled
 * fbank statistics), has the family as configured as its first point (ties keep it) and then the linear model
 * ({@code hidden = []}) at each of {@link #AUTO_L2}: each language's teacher is the MLP unless its inner folds prefer
 * a regularised linear model. The MLP's own penalty is not varied: more strongly penalised MLP teachers gave flatter
 * soft targets and weaker KD students on the tuning corpora (docs/results.md). Nor is the linear model's penalty
 * cross-validated as the reference's is ({@code lbfgs.l2 = cv}): those teachers matched the reference but their
 * flatter soft targets cost the KD students 1-4 points (docs/results.md). For every other family (AdamW, TDNN,
 * wav2vec2 heads), and a linear family at {@code cv}, it is empty. A model whose language has fewer than two training
 * speakers cannot be scored on inner folds and trains as configured under {@code auto} ({@link #auto()}), where an
 * explicit grid is an error.
 *
 * @param family the family's block, e.g. "ser.teachers"
 * @param points in a fixed order: keys sorted by name, the last key's values varying fastest
 * @param auto   the grid is {@code auto}'s: models that cannot be selected train as configured
 */
public record SelectionGrid(String family, List<Point> points, boolean auto) {

    /** The L2 penalties of {@code grid = auto}: lbfgs.l2 spans what the linear reference's C grid chooses at these n. */
    public static final List<Double> AUTO_L2 = List.of(0.001, 0.01, 0.1);
    /** The value that asks for {@link #AUTO_L2} x hidden. */
    public static final String AUTO = "auto";

    /** The family keys a grid may vary: the ones that shape or regularise the model, not the run's schedule. */
    public static final List<String> KEYS = List.of("hidden", "learning-rate", "weight-decay", "l2", "input-dropout",
            "dropout", "input-noise", "label-smoothing", "lbfgs.l2");

    /**
     * One grid point.
     *
     * @param index    position in the grid (0-based), what tables record
     * @param values   grid key to the value as written in HOCON (e.g. "0.01", "[128]"), keys sorted
     * @param training the family's settings at this point
     */
    public record Point(int index, Map<String, String> values, SerConfig.Training training) {
        public Point {
            values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        }

        /** "dropout=0.3 hidden=[128] weight-decay=0.01": the point's values, as the selection table records them. */
        public String label() {
            StringBuilder sb = new StringBuilder();
            values.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append('=').append(v));
            return sb.toString();
        }
    }

    public SelectionGrid {
        points = List.copyOf(points);
    }

    public boolean isEmpty() {
        return points.isEmpty();
    }

    /**
     * Reads {@code family}.grid from {@code c}; {@code parse} builds the family's settings from a config (the family
     * block's own parser), and its errors on a varied key are reported under the grid key.
     */
    static SelectionGrid parse(Config c, String family, Function<Config, SerConfig.Training> parse) {
        String gridPath = family + ".grid";
        if (c.hasPath(gridPath) && c.getValue(gridPath).valueType() == ConfigValueType.STRING) {
            String written = c.getString(gridPath).trim();
            if (!written.equals(AUTO)) {
                throw new ConfigError(gridPath, "must be a block of candidate lists, e.g. { lbfgs.l2 = [0.001, 0.01] },"
                        + " or auto, got '" + written + "'");
            }
            SerConfig.Training own = parse.apply(c);
            if (own.optimisation().optimiser() != Optimisation.Optimiser.LBFGS
                    || own.optimisation().lbfgsSearch() != null) {
                return new SelectionGrid(family, List.of(), true);
            }
            // The family as configured first (ties keep it), then the linear model at each penalty; a linear
            // family chooses its penalty only.
            List<Map<String, ConfigValue>> combos = new ArrayList<>();
            if (!own.hidden().isEmpty()) {
                combos.add(combo(own.hidden(), own.optimisation().lbfgsL2()));
            }
            for (double l2 : AUTO_L2) {
                combos.add(combo(List.of(), l2));
            }
            return new SelectionGrid(family, points(c, family, gridPath, combos, parse), true);
        }
        Config grid;
        try {
            grid = c.getConfig(gridPath);
        } catch (ConfigException e) {
            throw new ConfigError(gridPath, e.getMessage(), e);
        }
        Map<String, List<ConfigValue>> axes = new TreeMap<>();
        // Leaf paths, so that a nested family key (lbfgs.l2, written grid { lbfgs.l2 = [...] }) is one axis.
        for (Map.Entry<String, ConfigValue> e : grid.entrySet()) {
            String key = gridPath + "." + e.getKey();
            if (!KEYS.contains(e.getKey())) {
                throw new ConfigError(key, "is not a grid key; a grid varies one of " + KEYS);
            }
            if (!(e.getValue() instanceof ConfigList list) || list.isEmpty()) {
                throw new ConfigError(key, "must be a non-empty list of candidate values, e.g. "
                        + (e.getKey().equals("hidden") ? "[[], [128]]" : "[0.0001, 0.01]"));
            }
            if (list.stream().distinct().count() != list.size()) {
                throw new ConfigError(key, "lists a value twice: " + render(list));
            }
            axes.put(e.getKey(), List.copyOf(list));
        }
        if (axes.isEmpty()) {
            return new SelectionGrid(family, List.of(), false);
        }
        List<Map<String, ConfigValue>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<ConfigValue>> axis : axes.entrySet()) {
            List<Map<String, ConfigValue>> next = new ArrayList<>();
            for (Map<String, ConfigValue> combo : combos) {
                for (ConfigValue v : axis.getValue()) {
                    Map<String, ConfigValue> m = new LinkedHashMap<>(combo);
                    m.put(axis.getKey(), v);
                    next.add(m);
                }
            }
            combos = next;
        }
        return new SelectionGrid(family, points(c, family, gridPath, combos, parse), false);
    }

    /** {hidden, lbfgs.l2} as grid values. */
    private static Map<String, ConfigValue> combo(List<Integer> hidden, double l2) {
        Map<String, ConfigValue> m = new LinkedHashMap<>();
        m.put("hidden", ConfigValueFactory.fromIterable(hidden));
        m.put("lbfgs.l2", ConfigValueFactory.fromAnyRef(l2));
        return m;
    }

    /** Each combination of grid values as a point: the family's settings with those keys replaced. */
    private static List<Point> points(Config c, String family, String gridPath, List<Map<String, ConfigValue>> combos,
                                      Function<Config, SerConfig.Training> parse) {
        List<Point> points = new ArrayList<>();
        for (Map<String, ConfigValue> combo : combos) {
            Config at = c;
            Map<String, String> values = new LinkedHashMap<>();
            for (Map.Entry<String, ConfigValue> e : combo.entrySet()) {
                at = at.withValue(family + "." + e.getKey(), e.getValue());
                values.put(e.getKey(), render(e.getValue()));
            }
            SerConfig.Training training;
            try {
                training = parse.apply(at);
            } catch (ConfigError e) {
                String varied = e.key().startsWith(family + ".") ? e.key().substring(family.length() + 1) : "";
                if (combo.containsKey(varied)) {
                    throw new ConfigError(gridPath + "." + varied, "value " + values.get(varied) + ": " + reason(e), e);
                }
                throw e;
            }
            points.add(new Point(points.size(), values, training));
        }
        return points;
    }

    /**
     * A value as a label shows it: numbers in plain decimal (0.0001, not 1.0E-4), strings unquoted, lists as concise
     * HOCON.
     */
    private static String render(ConfigValue v) {
        if (v.unwrapped() instanceof Number n) {
            return new java.math.BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
        }
        if (v.unwrapped() instanceof String text) {
            return text; // cv, not "cv"
        }
        return v.render(ConfigRenderOptions.concise());
    }

    private static String reason(ConfigError e) {
        String prefix = "config key '" + e.key() + "': ";
        String m = e.getMessage();
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
}
