package io.serdistill.demo;

import io.serdistill.audio.AudioClip;
import io.serdistill.audio.WavWriter;
import io.serdistill.data.Emotion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * A synthetic multilingual emotional-speech corpus, generated in pure Java and deterministic from a seed, so the
 * pipeline runs end to end with no downloads.
 *
 * <p>Each utterance is a voice-like signal (see {@link DemoVoice}) whose prosody depends on four layers: the
 * language's baseline, the language's own way of voicing each emotion (pitch level and range, tempo, energy,
 * spectral tilt, breathiness; the tables in {@link DemoProsody} differ per language), the speaker (sex, F0,
 * formant scale, speaking rate, recording level), and random per-take variation. Classes therefore overlap, a
 * classifier that knows the language has an edge, and mean/std log-mel features still separate the emotions well
 * above chance on unseen speakers.
 *
 * <p>Speakers are split per language: with S speakers the last is {@code test}, the one before {@code dev}, the
 * rest {@code train}. {@link #write(Path)} (or {@link #write(Sink)}, for other file systems) lays out {@code dir/wav/{lang}/{speaker}/{uttId}.wav} (16-bit PCM mono)
 * and {@code dir/manifest.csv} with columns {@code utt_id,path,language,emotion,speaker,split,corpus}, paths
 * relative to the CSV. Speaker ids look like {@code en_spk03}, utterance ids like {@code en_spk03_angry_004}
 * (both 1-based).
 */
public final class DemoCorpus {

    /** The manifest's header line. */
    public static final String MANIFEST_HEADER = "utt_id,path,language,emotion,speaker,split,corpus";
    /** The manifest's file name in the corpus directory. */
    public static final String MANIFEST_FILE = "manifest.csv";
    /**
     * Version of the synthesis: bumped whenever the same options would give different audio, so a corpus written
     * by an older generator is not mistaken for a current one (2: per-language recording chains, conflicting
     * emotion tables, speaker expressiveness).
     */
    public static final int GENERATOR_VERSION = 2;
    /** Value of the manifest's corpus column. */
    public static final String CORPUS = "demo";

    /**
     * What to generate.
     *
     * @param languages              ISO 639-1 codes with a demo profile (en, fi, fr), distinct
     * @param speakersPerLanguage    at least 3 (one test, one dev, the rest train)
     * @param utterancesPerEmotion   utterances per speaker per emotion, at least 1
     * @param minSeconds             shortest utterance, seconds
     * @param maxSeconds             longest utterance, seconds; durations are uniform in [min, max]
     * @param seed                   everything is a function of it
     * @param sampleRate             Hz, at least 8000
     */
    public record Options(List<String> languages, int speakersPerLanguage, int utterancesPerEmotion,
                          double minSeconds, double maxSeconds, long seed, int sampleRate) {

        public Options {
            if (languages == null || languages.isEmpty()) {
                throw new IllegalArgumentException("languages must name at least one language");
            }
            languages = List.copyOf(languages);
            if (new HashSet<>(languages).size() != languages.size()) {
                throw new IllegalArgumentException("languages must be distinct, got " + languages);
            }
            for (String code : languages) {
                DemoProsody.language(code); // fails naming the unknown code
            }
            if (speakersPerLanguage < 3) {
                throw new IllegalArgumentException("speakersPerLanguage must be >= 3 (train, dev and test speakers), got "
                        + speakersPerLanguage);
            }
            if (utterancesPerEmotion < 1) {
                throw new IllegalArgumentException("utterancesPerEmotion must be >= 1, got " + utterancesPerEmotion);
            }
            if (!(minSeconds >= 0.3) || !(maxSeconds >= minSeconds) || maxSeconds > 60) {
                throw new IllegalArgumentException("need 0.3 <= minSeconds <= maxSeconds <= 60, got minSeconds "
                        + minSeconds + ", maxSeconds " + maxSeconds);
            }
            if (sampleRate < 8000) {
                throw new IllegalArgumentException("sampleRate must be >= 8000 Hz, got " + sampleRate);
            }
        }

        /** en, fi, fr; 6 speakers each; 8 utterances per speaker and emotion; 1.2–2.4 s; 16 kHz. */
        public static Options defaults() {
            return new Options(DemoProsody.CODES, 6, 8, 1.2, 2.4, 20250610L, 16_000);
        }

        public Options withSeed(long newSeed) {
            return new Options(languages, speakersPerLanguage, utterancesPerEmotion, minSeconds, maxSeconds, newSeed,
                    sampleRate);
        }

        public Options withSpeakers(int perLanguage) {
            return new Options(languages, perLanguage, utterancesPerEmotion, minSeconds, maxSeconds, seed, sampleRate);
        }

        public Options withUtterances(int perEmotion) {
            return new Options(languages, speakersPerLanguage, perEmotion, minSeconds, maxSeconds, seed, sampleRate);
        }

        public Options withLanguages(List<String> codes) {
            return new Options(codes, speakersPerLanguage, utterancesPerEmotion, minSeconds, maxSeconds, seed,
                    sampleRate);
        }

        /** Rows the corpus will have: languages × speakers × emotions × utterances. */
        public int size() {
            return languages.size() * speakersPerLanguage * Emotion.COUNT * utterancesPerEmotion;
        }
    }

    /**
     * One utterance of the plan, as it appears in the manifest.
     *
     * @param path relative to the manifest, '/'-separated
     */
    public record Entry(String uttId, String path, String language, Emotion emotion, String speaker, String split) {

        /** The manifest line for this entry, without a line terminator. */
        public String csvLine() {
            return String.join(",", uttId, path, language, emotion.label(), speaker, split, CORPUS);
        }
    }

    /**
     * What {@link #write(Path)} produced.
     *
     * @param manifest     the manifest CSV (relative to the corpus directory when written to a {@link Sink})
     * @param utterances   rows written (= WAV files)
     * @param bySplit      rows per split (train, dev, test)
     * @param byLanguage   rows per language code
     * @param byEmotion    rows per emotion
     * @param totalSeconds total audio duration, seconds
     */
    public record Summary(Path manifest, int utterances, Map<String, Integer> bySplit,
                          Map<String, Integer> byLanguage, Map<Emotion, Integer> byEmotion, double totalSeconds) {
    }

    private final Options options;
    private final List<Entry> entries;

    public DemoCorpus(Options options) {
        this.options = options;
        this.entries = plan(options);
    }

    public Options options() {
        return options;
    }

    /** All utterances in manifest order: language, speaker, emotion, take. */
    public List<Entry> entries() {
        return entries;
    }

    private static List<Entry> plan(Options o) {
        List<Entry> out = new ArrayList<>(o.size());
        for (String lang : o.languages()) {
            for (int s = 1; s <= o.speakersPerLanguage(); s++) {
                String speaker = speakerId(lang, s);
                String split = s == o.speakersPerLanguage() ? "test" : s == o.speakersPerLanguage() - 1 ? "dev" : "train";
                for (Emotion e : Emotion.values()) {
                    for (int u = 1; u <= o.utterancesPerEmotion(); u++) {
                        String utt = String.format(Locale.ROOT, "%s_%s_%03d", speaker, e.label(), u);
                        String path = "wav/" + lang + "/" + speaker + "/" + utt + ".wav";
                        out.add(new Entry(utt, path, lang, e, speaker, split));
                    }
                }
            }
        }
        return Collections.unmodifiableList(out);
    }

    private static String speakerId(String lang, int oneBased) {
        return String.format(Locale.ROOT, "%s_spk%02d", lang, oneBased);
    }

    /** The entry's audio, mono at {@link Options#sampleRate()}; the same entry and seed give the same samples. */
    public AudioClip synthesize(Entry entry) {
        DemoProsody.Language lang = DemoProsody.language(entry.language());
        int index = Integer.parseInt(entry.speaker().substring(entry.speaker().lastIndexOf("spk") + 3));
        // Sexes alternate, offset per language so the held-out speakers are not all of one sex.
        boolean female = (index + options.languages().indexOf(entry.language())) % 2 == 1;
        DemoProsody.Speaker speaker = DemoProsody.Speaker.draw(female, random(entry.speaker()));
        Random rnd = random(entry.uttId());
        double seconds = options.minSeconds() + (options.maxSeconds() - options.minSeconds()) * rnd.nextDouble();
        float[] samples = DemoVoice.synthesize(lang, entry.emotion(), speaker, seconds, options.sampleRate(), rnd);
        return new AudioClip(samples, options.sampleRate());
    }

    /** A generator for one named stream: distinct names give unrelated streams, the same name the same one. */
    private Random random(String name) {
        // SplitMix64's finaliser: spreads seed and the name's (JDK-specified) hash over all 64 bits.
        long z = options.seed() * 0x9E3779B97F4A7C15L + name.hashCode();
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new Random(z ^ (z >>> 31));
    }

    /** Where {@link #write(Sink)} puts each file, e.g. a Hadoop FileSystem; called from several threads at once. */
    @FunctionalInterface
    public interface Sink {
        /** Writes (replacing) the file at {@code path}, '/'-separated and relative to the corpus directory. */
        void write(String path, byte[] bytes) throws IOException;
    }

    /**
     * Writes every WAV and the manifest under {@code dir} (created if needed; existing files are overwritten).
     * Utterances are synthesised in parallel; the output does not depend on the thread count.
     */
    public Summary write(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Entry e : entries) {
            Files.createDirectories(dir.resolve(e.path()).getParent());
        }
        Summary s = write((path, bytes) -> Files.write(dir.resolve(path), bytes));
        return new Summary(dir.resolve(MANIFEST_FILE), s.utterances(), s.bySplit(), s.byLanguage(), s.byEmotion(),
                s.totalSeconds());
    }

    /**
     * Writes every WAV, then the manifest ({@link #MANIFEST_FILE}, last, so a corpus with a manifest is complete)
     * to {@code sink}, which must create parent directories itself. The summary's manifest is the relative path.
     */
    public Summary write(Sink sink) throws IOException {
        double[] seconds = new double[entries.size()];
        try {
            IntStream.range(0, entries.size()).parallel().forEach(i -> {
                AudioClip clip = synthesize(entries.get(i));
                seconds[i] = clip.durationSeconds();
                try {
                    sink.write(entries.get(i).path(), WavWriter.pcm16(clip));
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
        } catch (UncheckedIOException ex) {
            throw ex.getCause();
        }
        StringBuilder csv = new StringBuilder(MANIFEST_HEADER).append('\n');
        Map<String, Integer> bySplit = new TreeMap<>();
        Map<String, Integer> byLanguage = new TreeMap<>();
        Map<Emotion, Integer> byEmotion = new EnumMap<>(Emotion.class);
        double total = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            csv.append(e.csvLine()).append('\n');
            bySplit.merge(e.split(), 1, Integer::sum);
            byLanguage.merge(e.language(), 1, Integer::sum);
            byEmotion.merge(e.emotion(), 1, Integer::sum);
            total += seconds[i];
        }
        sink.write(MANIFEST_FILE, csv.toString().getBytes(StandardCharsets.UTF_8));
        return new Summary(Path.of(MANIFEST_FILE), entries.size(), Collections.unmodifiableMap(bySplit),
                Collections.unmodifiableMap(byLanguage), Collections.unmodifiableMap(byEmotion), total);
    }

    /**
     * {@code DemoCorpus OUTPUT_DIR [--seed N] [--speakers N] [--utterances N] [--languages en,fi,fr]}: writes the
     * corpus and prints a summary. Exit status 2 on bad arguments.
     */
    public static void main(String[] args) throws IOException {
        Options options = Options.defaults();
        Path dir = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (!arg.startsWith("--")) {
                    if (dir != null) {
                        throw new IllegalArgumentException("more than one output directory: " + dir + ", " + arg);
                    }
                    dir = Path.of(arg);
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(arg + " needs a value");
                }
                String value = args[++i];
                options = switch (arg) {
                    case "--seed" -> options.withSeed(Long.parseLong(value));
                    case "--speakers" -> options.withSpeakers(Integer.parseInt(value));
                    case "--utterances" -> options.withUtterances(Integer.parseInt(value));
                    case "--languages" -> options.withLanguages(List.of(value.split(",")));
                    default -> throw new IllegalArgumentException("unknown option " + arg);
                };
            }
            if (dir == null) {
                throw new IllegalArgumentException("missing OUTPUT_DIR");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: DemoCorpus OUTPUT_DIR [--seed N] [--speakers N (>= 3)] [--utterances N]"
                    + " [--languages en,fi,fr]");
            System.exit(2);
            return;
        }
        long start = System.nanoTime();
        Summary s = new DemoCorpus(options).write(dir);
        System.out.printf(Locale.ROOT, "wrote %d utterances (%.1f s of audio) in %.1f s%n  manifest: %s%n"
                        + "  per split: %s%n  per language: %s%n  per emotion: %s%n",
                s.utterances(), s.totalSeconds(), (System.nanoTime() - start) / 1e9, s.manifest(), s.bySplit(),
                s.byLanguage(), s.byEmotion());
    }
}
