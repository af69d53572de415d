package io.serdistill.train;

import io.serdistill.json.Json;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.SafeTensorsWritable;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Pooled models ({@link PooledClassifierKind}) that take the utterance's language as an input: the model reads the
 * pooled vector followed by a one-hot of the language in {@code languages} order (the run's ser.input.languages),
 * in training and in scoring alike. The model file records the languages in its metadata ({@link #METADATA}, a JSON
 * list), and such a file loads only with this kind and the same languages; its scorer needs each utterance's
 * language ({@link Scorer#logits(List, List, List)}).
 */
public record LanguageInputKind(PooledClassifierKind base, List<String> languages) implements ModelKind {
    /** Metadata key of the languages whose one-hot follows the features, as a JSON list. */
    public static final String METADATA = "ser.language-input";

    public LanguageInputKind {
        languages = List.copyOf(languages);
        InvalidOption.require(!languages.isEmpty() && new LinkedHashSet<>(languages).size() == languages.size(),
                "languages", "must be distinct and at least one, got " + languages);
    }

    /** {@code features} followed by the one-hot of {@code language}; a language outside the list is an error. */
    public float[] input(float[] features, String language, String uttId) {
        int index = languages.indexOf(language);
        if (index < 0) {
            throw new IllegalArgumentException("utterance " + uttId + " has language '" + language
                    + "'; this model takes one of " + languages);
        }
        float[] out = java.util.Arrays.copyOf(features, features.length + languages.size());
        out[features.length + index] = 1f;
        return out;
    }

    @Override
    public TrainedModel<?> train(List<TrainingExample> train, List<TrainingExample> dev, TrainingOptions options,
                                 CheckpointStore checkpoints, Consumer<EpochRecord> progress) throws IOException {
        TrainedModel<?> trained = base.train(augment(train), augment(dev), options, checkpoints, progress);
        return new TrainedModel<>(new Tagged(trained.model(), languages), trained.history(), trained.bestEpoch());
    }

    private List<TrainingExample> augment(List<TrainingExample> examples) {
        return examples.stream().map(e -> new TrainingExample(e.uttId(), e.language(), e.speaker(), e.label(),
                input(e.input(), e.language(), e.uttId()), e.teacherLogits())).toList();
    }

    @Override
    public Scorer load(byte[] safetensors, String source) throws IOException {
        List<String> recorded = recordedLanguages(safetensors, source);
        if (!languages.equals(recorded)) {
            throw new IOException(source + ": takes language input " + recorded + ", not " + languages);
        }
        Scorer model = base.loadAnyInput(safetensors, source);
        return new Scorer() {
            @Override
            public float[][] logits(List<String> ids, List<float[]> inputs) {
                throw new IllegalArgumentException(source + " takes each utterance's language as an input " + languages
                        + "; score it with the languages");
            }

            @Override
            public float[][] logits(List<String> ids, List<String> utteranceLanguages, List<float[]> inputs) {
                List<float[]> augmented = new java.util.ArrayList<>(inputs.size());
                for (int i = 0; i < inputs.size(); i++) {
                    augmented.add(input(inputs.get(i), utteranceLanguages.get(i), ids.get(i)));
                }
                return model.logits(ids, augmented);
            }
        };
    }

    /** The languages a model file takes as input ({@link #METADATA}), or null for a model without language input. */
    public static List<String> recordedLanguages(byte[] safetensors, String source) throws IOException {
        String json = SafeTensors.parse(safetensors, source).metadata().get(METADATA);
        return json == null ? null : List.of(Json.read(json, String[].class, source + " metadata '" + METADATA + "'"));
    }

    /** A trained model whose file also records the language input. */
    private record Tagged(SafeTensorsWritable model, List<String> languages) implements SafeTensorsWritable {
        @Override
        public byte[] toSafeTensors(Map<String, String> provenance) {
            Map<String, String> meta = new LinkedHashMap<>(provenance);
            meta.put(METADATA, Json.compact(languages));
            return model.toSafeTensors(meta);
        }
    }
}
