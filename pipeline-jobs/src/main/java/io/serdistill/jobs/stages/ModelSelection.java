package io.serdistill.jobs.stages;

import io.serdistill.config.SelectionGrid;
import io.serdistill.config.SerConfig;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.run.Provenance;
import io.serdistill.jobs.run.Roster;
import io.serdistill.jobs.run.StageContext;
import io.serdistill.jobs.run.Tables;
import io.serdistill.jobs.spark.TrainingTasks;
import io.serdistill.train.EpochRecord;
import io.serdistill.train.TrainingOptions;
import io.serdistill.train.linear.SpeakerFolds;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * Model selection over a family's grid ({@link SelectionGrid}, ser.selection.*), run by a training stage before it
 * trains its models: every (model, grid point, inner fold) is one Spark task ({@link TrainingTasks#trainAll}),
 * trained on the model's training utterances outside the fold and validated (early stopping, best epoch) on the
 * fold's speakers. A point's score is its mean inner-fold UA; the highest wins, ties to the first in grid order.
 * The stage then trains each model at its chosen point: refitted on every training utterance (train and dev) for
 * the median of the chosen point's best epochs, or (ser.selection.refit = false) on the train split selected on dev.
 * Every score lands in tables/selection/model=…/.
 *
 * <p>Inner folds group utterances by speaker: each language's training speakers (train and dev splits; test
 * speakers never) are dealt over min(inner-folds, speakers) folds by {@link SpeakerFolds}, so a multilingual model's
 * fold holds speakers of every language that has enough of them. The leakage guard checks the folds before any
 * task trains ({@link LeakageCheck#innerFolds}).
 */
final class ModelSelection {
    private static final Logger LOG = LoggerFactory.getLogger("ser.select");

    private ModelSelection() {}

    /**
     * A model of the stage that selects: its index in the stage's jobs and examples, and how its training options
     * follow from a family's settings (a grid point's).
     */
    record Candidate(int job, Roster.Model model, Function<SerConfig.Training, TrainingOptions> options) {}

    /** What the stage trains after selection: its jobs (the candidates' at their chosen points) and their examples. */
    record Plan(List<TrainingTasks.Job> jobs, JavaPairRDD<Integer, TrainingTasks.Tagged> examples,
                Map<String, Object> chosen) {}

    /** The inner fold of every training speaker ({@link #key}) and the number of folds of each language. */
    record InnerFolds(Map<String, Integer> foldOf, Map<String, Integer> foldsOf) implements Serializable {

        /** Folds of a model over {@code language} (null: every language): the most any of its languages has. */
        int folds(String language) {
            return language == null ? foldsOf.values().stream().mapToInt(Integer::intValue).max().orElse(0)
                    : foldsOf.getOrDefault(language, 0);
        }

        /** The speakers of fold {@code fold} over {@code language} (null: every language), as "language/speaker". */
        List<String> speakers(String language, int fold) {
            List<String> out = new ArrayList<>();
            new TreeMap<>(foldOf).forEach((k, f) -> {
                String lang = k.substring(0, k.indexOf('\t'));
                if (f == fold && (language == null || language.equals(lang))) {
                    out.add(lang + "/" + k.substring(k.indexOf('\t') + 1));
                }
            });
            return out;
        }
    }

    static String key(String language, String speaker) {
        return language + "\t" + speaker;
    }

    /**
     * Deals every language's training speakers (train and dev splits of the features table) over at most {@code k}
     * folds; a language with one training speaker gets one fold.
     */
    static InnerFolds innerFolds(StageContext ctx, int k) {
        Map<String, List<String>> speakersOf = new TreeMap<>();
        for (Row r : ctx.spark().read().parquet(ctx.featuresPath()).filter(col("split").isin("train", "dev"))
                .select("language", "speaker").collectAsList()) {
            speakersOf.computeIfAbsent(r.getString(0), l -> new ArrayList<>()).add(r.getString(1));
        }
        Map<String, Integer> foldOf = new HashMap<>();
        Map<String, Integer> foldsOf = new TreeMap<>();
        speakersOf.forEach((language, utteranceSpeakers) -> {
            int distinct = new HashSet<>(utteranceSpeakers).size();
            int folds = Math.min(k, distinct);
            foldsOf.put(language, folds);
            if (folds < 2) {
                utteranceSpeakers.forEach(s -> foldOf.put(key(language, s), 0));
            } else {
                SpeakerFolds.foldOfSpeaker(utteranceSpeakers.toArray(String[]::new), folds)
                        .forEach((s, f) -> foldOf.put(key(language, s), f));
            }
        });
        return new InnerFolds(foldOf, foldsOf);
    }

    /**
     * Selects each candidate's grid point and returns what the stage trains then. With an empty grid (or no
     * candidates) that is {@code jobs} and {@code examples} unchanged, and nothing is trained or written here.
     *
     * @param family   "teachers" or "student": the table's family column and the staging directory's name
     * @param jobs     every model the stage trains, candidates and others (linear references) alike
     * @param examples each job's training utterances keyed by its index, dev ones flagged
     */
    static Plan select(StageContext ctx, String family, SelectionGrid grid, List<Candidate> candidates,
                       List<TrainingTasks.Job> jobs, JavaPairRDD<Integer, TrainingTasks.Tagged> examples)
            throws IOException {
        if (grid.isEmpty() || candidates.isEmpty()) {
            return new Plan(jobs, examples, Map.of());
        }
        SerConfig cfg = ctx.config();
        InnerFolds folds = innerFolds(ctx, cfg.selection().innerFolds());
        if (grid.auto()) {
            List<Candidate> selectable = new ArrayList<>();
            for (Candidate cand : candidates) {
                if (folds.folds(cand.model().language()) >= 2) {
                    selectable.add(cand);
                } else {
                    LOG.info("{}: fewer than 2 training speakers, so no inner folds to select on; trains as configured"
                            + " (ser.{}.grid = auto)", cand.model().name(), family);
                }
            }
            if (selectable.isEmpty()) {
                return new Plan(jobs, examples, Map.of());
            }
            candidates = selectable;
        }
        // Every grid job, and the routes from a candidate's examples to its grid jobs: {grid job, inner fold}.
        List<TrainingTasks.Job> gridJobs = new ArrayList<>();
        List<int[]> gridOf = new ArrayList<>(); // {candidate, point, fold} of each grid job
        HashMap<Integer, int[][]> routes = new HashMap<>();
        for (int c = 0; c < candidates.size(); c++) {
            Candidate cand = candidates.get(c);
            int k = folds.folds(cand.model().language());
            if (k < 2) {
                throw new IllegalStateException(cand.model().name() + ": model selection needs at least 2 training "
                        + "speakers for ser.selection.inner-folds, "
                        + (cand.model().language() == null ? "the run has " : cand.model().language() + " has ")
                        + "fewer; empty ser." + family + ".grid to train without selection");
            }
            List<int[]> r = new ArrayList<>();
            for (SelectionGrid.Point p : grid.points()) {
                for (int f = 0; f < k; f++) {
                    r.add(new int[] {gridJobs.size(), f});
                    gridOf.add(new int[] {c, p.index(), f});
                    gridJobs.add(new TrainingTasks.Job(cand.model().name() + ".p" + p.index() + ".f" + f,
                            cand.model().method(), ctx.layout().selectionModel(cand.model().name(), p.index(), f),
                            ctx.modelKind(cand.model(), p.training()), cand.options().apply(p.training()),
                            Provenance.of(cfg, "model selection for " + cand.model().name() + ": grid point "
                                    + p.index() + " (" + p.label() + "), inner fold " + f + " of " + k)));
                }
            }
            routes.put(cand.job(), r.toArray(int[][]::new));
        }
        Map<String, Integer> foldOf = new HashMap<>(folds.foldOf());
        JavaPairRDD<Integer, TrainingTasks.Tagged> candidateExamples = examples.filter(t -> routes.containsKey(t._1()));
        Set<String> speakers = new TreeSet<>();
        foldOf.keySet().forEach(s -> speakers.add(s.substring(s.indexOf('\t') + 1)));
        LeakageCheck.innerFolds(ctx, speakers,
                new HashSet<>(candidateExamples.map(t -> t._2().example().uttId()).distinct().collect()));
        JavaPairRDD<Integer, TrainingTasks.Tagged> gridExamples = candidateExamples.flatMapToPair(t -> {
            Integer fold = foldOf.get(key(t._2().example().language(), t._2().example().speaker()));
            if (fold == null) {
                throw new IllegalStateException("utterance " + t._2().example().uttId() + " of speaker "
                        + t._2().example().speaker() + " is in no inner fold");
            }
            List<scala.Tuple2<Integer, TrainingTasks.Tagged>> out = new ArrayList<>();
            for (int[] route : routes.get(t._1())) {
                out.add(TrainingTasks.keyed(route[0], t._2().example(), route[1] == fold));
            }
            return out.iterator();
        });
        LOG.info("model selection ({}): {} models x {} grid points x inner folds {} = {} tasks", family,
                candidates.size(), grid.points().size(), folds.foldsOf(), gridJobs.size());
        List<TrainingTasks.Outcome> outcomes = TrainingTasks.trainAll(gridJobs, gridExamples, ctx.hadoop(), ctx.gpus(),
                ctx.master(), ctx.layout().staging(family + "-selection"));

        // Scores: each fold's UA at its best epoch, averaged per (candidate, point).
        double[][] sum = new double[candidates.size()][grid.points().size()];
        int[][] n = new int[candidates.size()][grid.points().size()];
        double[] ua = new double[gridJobs.size()];
        for (int g = 0; g < gridJobs.size(); g++) {
            TrainingTasks.Outcome o = outcomes.get(g);
            ua[g] = bestUa(o);
            sum[gridOf.get(g)[0]][gridOf.get(g)[1]] += ua[g];
            n[gridOf.get(g)[0]][gridOf.get(g)[1]]++;
        }
        List<TrainingTasks.Job> finalJobs = new ArrayList<>(jobs);
        Set<Integer> refitted = new HashSet<>();
        Map<String, Object> chosen = new LinkedHashMap<>();
        for (int c = 0; c < candidates.size(); c++) {
            Candidate cand = candidates.get(c);
            int best = 0;
            for (int p = 1; p < grid.points().size(); p++) {
                if (sum[c][p] / n[c][p] > sum[c][best] / n[c][best]) {
                    best = p;
                }
            }
            List<Integer> bestEpochs = new ArrayList<>();
            for (int g = 0; g < gridJobs.size(); g++) {
                if (gridOf.get(g)[0] == c && gridOf.get(g)[1] == best) {
                    bestEpochs.add(outcomes.get(g).bestEpoch());
                }
            }
            SelectionGrid.Point point = grid.points().get(best);
            Integer refitEpochs = cfg.selection().refit() ? median(bestEpochs) : null;
            SerConfig.Training training = refitEpochs == null ? point.training() : point.training().withEpochs(refitEpochs);
            TrainingTasks.Job base = jobs.get(cand.job());
            Map<String, String> provenance = new LinkedHashMap<>(base.provenance());
            provenance.put("ser.selection.point", point.label());
            provenance.put("ser.selection.mean_ua", Double.toString(sum[c][best] / n[c][best]));
            provenance.put("ser.selection.refit_epochs", refitEpochs == null ? "" : refitEpochs.toString());
            finalJobs.set(cand.job(), new TrainingTasks.Job(base.model(), base.method(), base.modelUri(),
                    ctx.modelKind(cand.model(), training), cand.options().apply(training), provenance));
            if (refitEpochs != null) {
                refitted.add(cand.job());
            }
            chosen.put(cand.model().name(), point.label() + (refitEpochs == null ? "" : "; refit " + refitEpochs + " epochs"));
            LOG.info("{}: chose grid point {} ({}), mean inner-fold UA {}{}", cand.model().name(), best, point.label(),
                    String.format("%.3f", sum[c][best] / n[c][best]),
                    refitEpochs == null ? "; trains on the train split, selected on dev"
                            : "; refit on every training speaker for " + refitEpochs + " epochs (best epochs " + bestEpochs + ")");
            List<Row> rows = new ArrayList<>();
            for (int g = 0; g < gridJobs.size(); g++) {
                if (gridOf.get(g)[0] != c) {
                    continue;
                }
                int p = gridOf.get(g)[1];
                int f = gridOf.get(g)[2];
                TrainingTasks.Outcome o = outcomes.get(g);
                rows.add(RowFactory.create(family, cand.model().method(), p, grid.points().get(p).label(), f,
                        folds.folds(cand.model().language()), o.trainCount(), o.devCount(),
                        folds.speakers(cand.model().language(), f).toArray(String[]::new),
                        ua[g], o.bestEpoch(), sum[c][p] / n[c][p], p == best, p == best ? refitEpochs : null,
                        o.seconds()));
            }
            ctx.spark().createDataFrame(rows, Tables.SELECTION).coalesce(1).write().mode(SaveMode.Overwrite)
                    .parquet(ctx.layout().table("selection") + "/model=" + cand.model().name());
        }
        JavaPairRDD<Integer, TrainingTasks.Tagged> finalExamples = refitted.isEmpty() ? examples
                : examples.mapToPair(t -> refitted.contains(t._1()) ? TrainingTasks.keyed(t._1(), t._2().example(), false) : t);
        return new Plan(finalJobs, finalExamples, chosen);
    }

    /** The validation UA at the kept epoch. */
    private static double bestUa(TrainingTasks.Outcome o) {
        for (EpochRecord e : o.history()) {
            if (e.epoch() == o.bestEpoch() && !Double.isNaN(e.devUa())) {
                return e.devUa();
            }
        }
        throw new IllegalStateException(o.model() + ": no validation UA at its best epoch " + o.bestEpoch()
                + " (an inner fold without validation utterances)");
    }

    /** The median; of an even count, the mean of the two middle values rounded half up. */
    static int median(List<Integer> values) {
        List<Integer> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int m = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(m) : (int) Math.round((sorted.get(m - 1) + sorted.get(m)) / 2.0);
    }

    /** --force: every inner-fold model of {@code models} is trained again. */
    static void forget(StageContext ctx, List<Roster.Model> models) throws IOException {
        for (Roster.Model m : models) {
            String dir = ctx.layout().selection(m.name());
            if (HadoopFiles.exists(dir, ctx.hadoop().get())) {
                org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir);
                p.getFileSystem(ctx.hadoop().get()).delete(p, true);
            }
        }
    }
}
