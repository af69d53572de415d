package io.serdistill.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.audio.AudioClip;
import io.serdistill.audio.ChannelMode;
import io.serdistill.audio.WavDecoder;
import io.serdistill.data.Emotion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCorpusTest {

    private static final DemoCorpus.Options SMALL =
            DemoCorpus.Options.defaults().withLanguages(List.of("en", "fi")).withSpeakers(3).withUtterances(1);

    @Test
    void sameSeedWritesIdenticalBytes(@TempDir Path a, @TempDir Path b) throws Exception {
        new DemoCorpus(SMALL).write(a);
        new DemoCorpus(SMALL).write(b);
        List<String> rows = Files.readAllLines(a.resolve("manifest.csv"));
        assertEquals(rows, Files.readAllLines(b.resolve("manifest.csv")));
        for (String row : rows.subList(1, rows.size())) {
            String path = row.split(",")[1];
            assertArrayEquals(Files.readAllBytes(a.resolve(path)), Files.readAllBytes(b.resolve(path)), path);
        }
    }

    @Test
    void aSinkGetsTheSameFilesManifestLast(@TempDir Path dir) throws Exception {
        new DemoCorpus(SMALL).write(dir);
        Map<String, byte[]> sunk = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicReference<String> last = new java.util.concurrent.atomic.AtomicReference<>();
        DemoCorpus.Summary summary = new DemoCorpus(SMALL).write((path, bytes) -> {
            sunk.put(path, bytes);
            last.set(path);
        });
        assertEquals(Path.of(DemoCorpus.MANIFEST_FILE), summary.manifest());
        assertEquals(DemoCorpus.MANIFEST_FILE, last.get(), "the manifest is written after every WAV");
        assertEquals(SMALL.size() + 1, sunk.size());
        for (Map.Entry<String, byte[]> f : sunk.entrySet()) {
            assertArrayEquals(Files.readAllBytes(dir.resolve(f.getKey())), f.getValue(), f.getKey());
        }
    }

    @Test
    void differentSeedsGiveDifferentAudio() {
        DemoCorpus one = new DemoCorpus(SMALL.withSeed(1));
        DemoCorpus two = new DemoCorpus(SMALL.withSeed(2));
        DemoCorpus.Entry entry = one.entries().get(0);
        assertEquals(entry, two.entries().get(0));
        assertFalse(Arrays.equals(one.synthesize(entry).samples(), two.synthesize(entry).samples()));
    }

    @Test
    void writesAManifestWithSpeakerSplitsAndReadableWavs(@TempDir Path dir) throws Exception {
        DemoCorpus.Options options = DemoCorpus.Options.defaults().withSpeakers(4).withUtterances(2);
        DemoCorpus.Summary summary = new DemoCorpus(options).write(dir);

        List<String> lines = Files.readAllLines(dir.resolve("manifest.csv"));
        assertEquals("utt_id,path,language,emotion,speaker,split,corpus", lines.get(0));
        assertEquals(3 * 4 * 4 * 2 + 1, lines.size());
        assertEquals(96, summary.utterances());
        assertEquals(Map.of("train", 48, "dev", 24, "test", 24), summary.bySplit());
        assertEquals(Map.of("en", 32, "fi", 32, "fr", 32), summary.byLanguage());
        assertEquals(24, summary.byEmotion().get(Emotion.SAD));
        assertEquals("fi_spk03_angry_002,wav/fi/fi_spk03/fi_spk03_angry_002.wav,fi,angry,fi_spk03,dev,demo",
                lines.get(1 + 32 + 2 * 8 + 2 * 2 + 1));

        double total = 0;
        for (String line : lines.subList(1, lines.size())) {
            String[] c = line.split(",", -1);
            assertEquals(7, c.length, line);
            String speakerNumber = c[4].substring(c[4].length() - 2);
            String expectedSplit = switch (speakerNumber) {
                case "04" -> "test";
                case "03" -> "dev";
                default -> "train";
            };
            assertEquals(expectedSplit, c[5], line);
            assertTrue(c[0].startsWith(c[4] + "_" + c[3] + "_"), line);
            AudioClip clip = WavDecoder.decode(Files.readAllBytes(dir.resolve(c[1])), ChannelMode.DOWNMIX);
            assertEquals(16000, clip.sampleRate());
            assertTrue(clip.durationSeconds() >= 1.2 && clip.durationSeconds() <= 2.4, line);
            total += clip.durationSeconds();
        }
        assertEquals(total, summary.totalSeconds(), 1e-6);
    }

    /** Mean over a language's takes of an emotion of the clip's level in dB and its brightness. */
    private static double[] meanLevelAndBrightness(DemoCorpus corpus, String language, Emotion emotion) {
        double level = 0;
        double brightness = 0;
        int n = 0;
        for (DemoCorpus.Entry e : corpus.entries()) {
            if (e.language().equals(language) && e.emotion() == emotion) {
                float[] x = corpus.synthesize(e).samples();
                double energy = 0;
                double slope = 0;
                for (int i = 1; i < x.length; i++) {
                    energy += x[i] * (double) x[i];
                    double d = x[i] - x[i - 1];
                    slope += d * d;
                }
                level += 10 * Math.log10(energy / x.length);
                // The first difference weights high frequencies: a flatter (tenser) source is brighter.
                brightness += 10 * Math.log10(slope / energy);
                n++;
            }
        }
        return new double[] {level / n, brightness / n};
    }

    @Test
    void angrySpeechIsLouderAndBrighterThanSadInEveryLanguage() {
        DemoCorpus corpus = new DemoCorpus(DemoCorpus.Options.defaults().withSpeakers(3).withUtterances(4));
        for (String language : corpus.options().languages()) {
            double[] angry = meanLevelAndBrightness(corpus, language, Emotion.ANGRY);
            double[] sad = meanLevelAndBrightness(corpus, language, Emotion.SAD);
            assertTrue(angry[0] > sad[0] + 6, language + ": angry " + angry[0] + " dB vs sad " + sad[0] + " dB");
            assertTrue(angry[1] > sad[1] + 2, language + ": brightness angry " + angry[1] + " vs sad " + sad[1]);
        }
    }

    @Test
    void rejectsFewerThanThreeSpeakersAndUnknownLanguages() {
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class, () -> SMALL.withSpeakers(2));
        assertTrue(few.getMessage().startsWith("speakersPerLanguage must be >= 3"), few.getMessage());
        IllegalArgumentException de = assertThrows(IllegalArgumentException.class,
                () -> SMALL.withLanguages(List.of("en", "de")));
        assertEquals("language 'de' has no demo profile; known: en, fi, fr", de.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SMALL.withLanguages(List.of("en", "en")));
    }

    @Test
    void mainWritesTheCorpusItsFlagsDescribe(@TempDir Path dir) throws Exception {
        DemoCorpus.main(new String[] {dir.toString(), "--speakers", "3", "--utterances", "1", "--languages", "fi",
                "--seed", "5"});
        List<String> lines = Files.readAllLines(dir.resolve("manifest.csv"));
        assertEquals(1 + 3 * 4, lines.size());
        assertTrue(lines.stream().skip(1).allMatch(l -> l.contains(",fi,")));
        assertTrue(Files.isRegularFile(dir.resolve("wav/fi/fi_spk03/fi_spk03_sad_001.wav")));
    }
}
