package io.serdistill.packaging;

import io.serdistill.audio.AudioClip;
import io.serdistill.audio.AudioFormatException;
import io.serdistill.audio.AudioPreparer;
import io.serdistill.audio.AudioProblem;
import io.serdistill.audio.Segment;
import io.serdistill.audio.Segmentation;
import io.serdistill.distill.SoftTargets;
import io.serdistill.eval.Predictions;
import io.serdistill.features.FeatureMatrix;
import io.serdistill.features.FeatureNormalizer;
import io.serdistill.features.Normalization;
import io.serdistill.features.UtteranceFeatures;
import io.serdistill.representation.Representation;
import io.serdistill.train.ModelKind;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores audio with one package, the way the pipeline does: the card's audio options prepare the clip
 * ({@link AudioPreparer}, as extract), the representation's extractor computes the features, the card's input
 * ({@code pooled}, or {@code frames} normalised as the representation stores them) goes to the model, and the
 * probabilities are the softmax of its logits. A model that takes the utterance's language as an input
 * ({@link #inputLanguages()} not empty, as ft-multi-lang students) is scored with each input's language; the others
 * ignore it. Holds per-thread state (decoder, FFT plan, model graph): one instance per thread, reused across files —
 * an inference task makes one per partition.
 */
public final class PackageScorer {
    private final ModelCard card;
    private final Representation representation;
    private final AudioPreparer preparer;
    private final UtteranceFeatures extractor;
    /** Segments of one recording scored together. */
    static final int SEGMENTS_PER_BATCH = 16;

    private final ModelKind.Scorer model;
    private final FeatureNormalizer globalFrames;
    private final List<String> inputLanguages;

    PackageScorer(ModelCard card, Representation representation, ModelKind.Scorer model, List<String> inputLanguages) {
        this.card = card;
        this.representation = representation;
        this.preparer = new AudioPreparer(card.audio().options());
        this.extractor = representation.extractor();
        this.model = model;
        this.globalFrames = card.frameNormalisation() == null ? null : card.frameNormalisation().normalizer();
        this.inputLanguages = List.copyOf(inputLanguages);
    }

    public ModelCard card() {
        return card;
    }

    /** The languages the model takes as an input, one of which every input needs; empty for a model that takes none. */
    public List<String> inputLanguages() {
        return inputLanguages;
    }

    /**
     * Why {@code language} cannot go with an input to this model, or null when it can: a language-input model needs
     * one of {@link #inputLanguages()}; any other model takes any language or none.
     */
    public String languageProblem(String language) {
        if (inputLanguages.isEmpty()) {
            return null;
        }
        if (language == null || language.isBlank()) {
            return card.name() + " takes the utterance's language as an input, one of " + inputLanguages
                    + "; none was given";
        }
        return inputLanguages.contains(language) ? null : card.name() + " takes one of the languages "
                + inputLanguages + " as an input, not '" + language + "'";
    }

    /**
     * The card's audio front end reading up to {@code maxSeconds} instead of cutting at the card's max-seconds: how
     * a recording to be segmented ({@link #predict(String, AudioClip, Segmentation, String)}) is prepared, by
     * {@code ser predict} and the infer stage alike.
     */
    public AudioPreparer recordingPreparer(double maxSeconds) {
        io.serdistill.audio.AudioOptions a = card.audio().options();
        return new AudioPreparer(new io.serdistill.audio.AudioOptions(a.targetRate(), a.channelMode(), maxSeconds,
                a.minSeconds()));
    }

    /** A model input and the seconds of audio it came from. */
    public record Input(float[] values, double seconds) {}

    /**
     * The model input of one WAV stream (not closed here; {@code length} in bytes, -1 when unknown). Unusable audio
     * fails with the {@link AudioFormatException} extract would reject the row with.
     */
    public Input input(InputStream wav, long length) throws IOException, AudioFormatException {
        AudioClip clip = preparer.prepare(wav, length);
        return new Input(input(clip), clip.durationSeconds());
    }

    /** The model input of a prepared clip (mono, at the card's rate, cut). */
    public float[] input(AudioClip clip) throws AudioFormatException {
        UtteranceFeatures.Extracted x = extractor.extract(clip.samples());
        for (float v : x.matrix().data()) {
            if (!Float.isFinite(v)) {
                throw new AudioFormatException(AudioProblem.NON_FINITE, "features hold a non-finite value");
            }
        }
        if (card.input().equals(Representation.POOLED)) {
            return x.pooled();
        }
        FeatureMatrix f = x.matrix();
        Normalization n = representation.normalization();
        boolean variance = representation instanceof Representation.Fbank fb && fb.normalizeVariance();
        if (n == Normalization.UTTERANCE) {
            f = FeatureNormalizer.perUtterance(f, variance);
        } else if (n == Normalization.GLOBAL) {
            if (globalFrames == null) {
                throw new IllegalStateException(card.name() + ": the representation normalises frames globally but "
                        + "the card has no frameNormalisation");
            }
            f = globalFrames.apply(f);
        }
        return f.data();
    }

    /** Predictions for model inputs, in order; {@code ids} name inputs in errors. */
    public List<Prediction> predict(List<String> ids, List<Input> inputs) {
        return predict(ids, null, inputs);
    }

    /**
     * Predictions for model inputs with each input's language ({@code languages} in the same order; null when they
     * are not known, which only a model without language input accepts).
     *
     * @throws IllegalArgumentException naming the input whose language this model cannot take
     */
    public List<Prediction> predict(List<String> ids, List<String> languages, List<Input> inputs) {
        List<float[]> values = inputs.stream().map(Input::values).toList();
        float[][] logits;
        if (inputLanguages.isEmpty()) {
            logits = model.logits(ids, values);
        } else {
            for (int i = 0; i < inputs.size(); i++) {
                String problem = languageProblem(languages == null ? null : languages.get(i));
                if (problem != null) {
                    throw new IllegalArgumentException(ids.get(i) + ": " + problem);
                }
            }
            logits = model.logits(ids, languages, values);
        }
        List<Prediction> out = new ArrayList<>(logits.length);
        for (int i = 0; i < logits.length; i++) {
            out.add(prediction(logits[i], inputs.get(i).seconds()));
        }
        return out;
    }

    /** One WAV stream's prediction. */
    public Prediction predict(String id, InputStream wav, long length) throws IOException, AudioFormatException {
        return predict(id, wav, length, null);
    }

    /** One WAV stream's prediction, with its language (null when unknown; see {@link #predict(List, List, List)}). */
    public Prediction predict(String id, InputStream wav, long length, String language)
            throws IOException, AudioFormatException {
        return predict(List.of(id), language == null ? null : List.of(language), List.of(input(wav, length))).get(0);
    }

    /**
     * A prepared recording cut by {@code segmentation}, each segment scored as an utterance, with the file's
     * aggregate ({@link SegmentedPrediction}); a recording no longer than a segment is scored whole, exactly as
     * {@link #predict(String, InputStream, long)} scores it. Empty when the segmentation finds no speech.
     */
    public java.util.Optional<SegmentedPrediction> predict(String id, AudioClip clip, Segmentation segmentation)
            throws AudioFormatException {
        return predict(id, clip, segmentation, null);
    }

    /** As {@link #predict(String, AudioClip, Segmentation)}, every segment with the recording's {@code language}. */
    public java.util.Optional<SegmentedPrediction> predict(String id, AudioClip clip, Segmentation segmentation,
                                                           String language) throws AudioFormatException {
        List<Segment> segments = segmentation.segments(clip);
        if (segments.isEmpty()) {
            return java.util.Optional.empty();
        }
        List<SegmentedPrediction.Scored> scored = new ArrayList<>(segments.size());
        // A few segments' inputs at a time: an hour's windows of frames would not fit in memory at once.
        for (int from = 0; from < segments.size(); from += SEGMENTS_PER_BATCH) {
            List<Segment> batch = segments.subList(from, Math.min(segments.size(), from + SEGMENTS_PER_BATCH));
            List<String> ids = new ArrayList<>(batch.size());
            List<Input> inputs = new ArrayList<>(batch.size());
            for (Segment s : batch) {
                ids.add(segmentId(id, segments.size(), s));
                inputs.add(new Input(input(s.of(clip)), s.seconds()));
            }
            List<Prediction> predictions = predict(ids,
                    language == null ? null : java.util.Collections.nCopies(batch.size(), language), inputs);
            for (int i = 0; i < batch.size(); i++) {
                scored.add(new SegmentedPrediction.Scored(batch.get(i), predictions.get(i)));
            }
        }
        return java.util.Optional.of(SegmentedPrediction.of(scored));
    }

    /**
     * Whether {@link #prepare} and {@link #predictAll} apply: a pooled-input model, whose inputs are one small vector
     * per segment, so many files' inputs fit in one model call. Frame-sequence inputs are scored file by file
     * ({@link #predict(String, AudioClip, Segmentation, String)}, a few segments at a time).
     */
    public boolean batchesFiles() {
        return card.input().equals(Representation.POOLED);
    }

    /** One recording's segments and their model inputs, computed but not yet scored ({@link #predictAll}). */
    public record Prepared(String id, String language, List<Segment> segments, List<Input> inputs) {
        public Prepared {
            segments = List.copyOf(segments);
            inputs = List.copyOf(inputs);
        }
    }

    /**
     * A prepared recording's segments and their inputs, as {@link #predict(String, AudioClip, Segmentation, String)}
     * computes them; empty when the segmentation finds no speech. Needs {@link #batchesFiles()}.
     */
    public java.util.Optional<Prepared> prepare(String id, AudioClip clip, Segmentation segmentation, String language)
            throws AudioFormatException {
        if (!batchesFiles()) {
            throw new IllegalStateException(card.name() + " reads frame sequences: score it file by file");
        }
        List<Segment> segments = segmentation.segments(clip);
        if (segments.isEmpty()) {
            return java.util.Optional.empty();
        }
        List<Input> inputs = new ArrayList<>(segments.size());
        for (Segment s : segments) {
            inputs.add(new Input(input(s.of(clip)), s.seconds()));
        }
        return java.util.Optional.of(new Prepared(id, language, segments, inputs));
    }

    /** A prepared recording's result: its prediction, or the exception scoring it alone threw. */
    public record Outcome(SegmentedPrediction prediction, RuntimeException error) {}

    /**
     * Many prepared recordings scored in one model call, outcomes in order; each equals scoring its recording alone
     * ({@link #predict(String, AudioClip, Segmentation, String)}), the model being row-independent. When the joint
     * call fails, every recording is scored alone, so only the one that cannot be scored gets an error.
     */
    public List<Outcome> predictAll(List<Prepared> files) {
        List<String> ids = new ArrayList<>();
        List<String> languages = new ArrayList<>();
        List<Input> inputs = new ArrayList<>();
        for (Prepared f : files) {
            for (Segment s : f.segments()) {
                ids.add(segmentId(f.id(), f.segments().size(), s));
                languages.add(f.language());
            }
            inputs.addAll(f.inputs());
        }
        List<Prediction> all;
        try {
            all = predict(ids, languages, inputs);
        } catch (RuntimeException e) {
            if (files.size() == 1) {
                return List.of(new Outcome(null, e));
            }
            List<Outcome> alone = new ArrayList<>(files.size());
            for (Prepared f : files) {
                alone.add(predictAll(List.of(f)).get(0));
            }
            return alone;
        }
        List<Outcome> out = new ArrayList<>(files.size());
        int at = 0;
        for (Prepared f : files) {
            List<SegmentedPrediction.Scored> scored = new ArrayList<>(f.segments().size());
            for (Segment s : f.segments()) {
                scored.add(new SegmentedPrediction.Scored(s, all.get(at++)));
            }
            out.add(new Outcome(SegmentedPrediction.of(scored), null));
        }
        return out;
    }

    private static String segmentId(String id, int segments, Segment s) {
        return segments == 1 ? id : id + " [" + s.startSeconds() + ", " + s.endSeconds() + ") s";
    }

    private Prediction prediction(float[] logits, double seconds) {
        if (logits.length != card.classes().size()) {
            throw new IllegalStateException(card.name() + ": the model gives " + logits.length + " logits, the card"
                    + " lists " + card.classes().size() + " classes");
        }
        return new Prediction(card.classes(), Predictions.argMax(logits), probabilities(logits), seconds);
    }

    /** softmax(logits), in double: what predict prints and what the evaluate stage's logits mean. */
    public static double[] probabilities(float[] logits) {
        return SoftTargets.softmax(logits, 1.0);
    }
}
