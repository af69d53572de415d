package io.serdistill.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.serdistill.train.TrainingExample;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrainingTasksTest {
    private static TrainingTasks.Tagged tagged(String id, boolean dev) {
        return new TrainingTasks.Tagged(new TrainingExample(id, "en", "s1", 0, new float[] {id.hashCode()}, null), dev);
    }

    private static List<String> ids(List<TrainingExample> examples) {
        return examples.stream().map(TrainingExample::uttId).toList();
    }

    @Test
    void trainAndDevAreOrderedByUtteranceIdWhateverOrderTheyArriveIn() {
        List<TrainingTasks.Tagged> rows = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            rows.add(tagged(String.format("u%03d", i), i % 5 == 0));
        }
        List<List<TrainingExample>> reference = TrainingTasks.trainAndDev(rows.iterator());
        assertEquals(40, reference.get(0).size());
        assertEquals(10, reference.get(1).size());
        for (long seed = 1; seed <= 3; seed++) {
            List<TrainingTasks.Tagged> shuffled = new ArrayList<>(rows);
            Collections.shuffle(shuffled, new Random(seed));
            List<List<TrainingExample>> sets = TrainingTasks.trainAndDev(shuffled.iterator());
            assertEquals(ids(reference.get(0)), ids(sets.get(0)), "train, arrival order " + seed);
            assertEquals(ids(reference.get(1)), ids(sets.get(1)), "dev, arrival order " + seed);
        }
        assertEquals("u001", reference.get(0).get(0).uttId());
        assertEquals("u000", reference.get(1).get(0).uttId());
    }
}
