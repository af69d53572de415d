package io.serdistill.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.train.PooledClassifierKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ser.teachers.grid, ser.student.grid and ser.selection.*. */
class SelectionConfigTest {

    private static SerConfig load(String... keyValues) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            o.put(keyValues[i], keyValues[i + 1]);
        }
        return SerConfig.load(List.of(), o);
    }

    private static void assertKey(String key, String... keyValues) {
        ConfigError e = assertThrows(ConfigError.class, () -> load(keyValues));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void theTeacherGridIsAutoByDefaultFamilyTimesPenaltyForLbfgsTeachers() {
        SerConfig d = SerConfig.defaults();
        SelectionGrid g = d.selection().teachers();
        assertTrue(g.auto());
        // The configured MLP first (ties keep it), then the linear model at three penalties.
        assertEquals(List.of("hidden=[256,128] lbfgs.l2=0.01", "hidden=[] lbfgs.l2=0.001", "hidden=[] lbfgs.l2=0.01",
                        "hidden=[] lbfgs.l2=0.1"),
                g.points().stream().map(SelectionGrid.Point::label).toList());
        assertEquals(List.of(), g.points().get(3).training().hidden());
        assertEquals(0.1, g.points().get(3).training().optimisation().lbfgsL2());
        assertEquals(null, g.points().get(3).training().optimisation().lbfgsSearch(), "a fixed penalty");
        assertEquals(List.of(256, 128), g.points().get(0).training().hidden());
        assertEquals(d.teachers(), g.points().get(0).training(), "the first point is the family as configured");
        assertEquals(io.serdistill.train.Optimisation.Optimiser.LBFGS,
                g.points().get(1).training().optimisation().optimiser());
        assertEquals("hidden=[256,128] lbfgs.l2=0.05",
                load("ser.teachers.lbfgs.l2", "0.05").selection().teachers().points().get(0).label());
        assertTrue(d.selection().student().isEmpty(), "the student selects nothing by default");
        assertTrue(d.selection().any());
        assertEquals(3, d.selection().innerFolds());
        assertTrue(d.selection().refit());
        // The penalties alone for a linear teacher; nothing for one whose task cross-validates its own.
        assertEquals(3, load("ser.teachers.hidden", "[]").selection().teachers().points().size());
        assertTrue(load("ser.teachers.hidden", "[]", "ser.teachers.lbfgs.l2", "cv").selection().teachers().isEmpty());
        // An explicit grid replaces auto, cv included (for a linear family).
        SelectionGrid explicit = load("ser.teachers.grid.lbfgs.l2", "[0.5]").selection().teachers();
        assertFalse(explicit.auto());
        assertEquals(List.of("lbfgs.l2=0.5"), explicit.points().stream().map(SelectionGrid.Point::label).toList());
        SelectionGrid withCv = load("ser.teachers.hidden", "[]", "ser.teachers.grid.lbfgs.l2", "[0.1, cv]")
                .selection().teachers();
        assertEquals(List.of("lbfgs.l2=0.1", "lbfgs.l2=cv"), withCv.points().stream().map(SelectionGrid.Point::label)
                .toList());
        assertEquals(new io.serdistill.train.Optimisation.PenaltySearch(d.reference().kind().cGrid(),
                d.reference().kind().folds()), withCv.points().get(1).training().optimisation().lbfgsSearch(),
                "cv searches the reference's C grid over its folds");
        // auto selects, so it is part of the hash; grid {} is not.
        assertNotEquals(d.hash(), load("ser.teachers.grid", "{}").hash());
        assertNotEquals(d.hash(), load("ser.selection.inner-folds", "5").hash());
    }

    @Test
    void lbfgsL2IsANumberOrCvForALinearModelAndAnythingElseNamesTheKey() {
        SerConfig cv = load("ser.student.hidden", "[]", "ser.student.lbfgs.l2", "cv", "ser.reference.c-grid", "[1, 10]",
                "ser.reference.folds", "4");
        assertEquals(new io.serdistill.train.Optimisation.PenaltySearch(List.of(1.0, 10.0), 4),
                cv.student().optimisation().lbfgsSearch());
        assertNotEquals(SerConfig.defaults().hash(), load("ser.student.hidden", "[]").hash());
        assertNotEquals(load("ser.student.hidden", "[]").hash(), cv.hash());
        // A quoted number is a number.
        assertEquals(0.5, load("ser.student.lbfgs.l2", "\"0.5\"").student().optimisation().lbfgsL2());
        assertKey("ser.student.lbfgs.l2", "ser.student.lbfgs.l2", "cv");
        assertKey("ser.student.lbfgs.l2", "ser.student.lbfgs.l2", "often");
        assertKey("ser.teachers.lbfgs.l2", "ser.teachers.model", "tdnn", "ser.teachers.optimiser", "adamw",
                "ser.teachers.lbfgs.l2", "cv");
        // The grid key is named when a grid point is refused: cv for an MLP point.
        assertKey("ser.teachers.grid.lbfgs.l2", "ser.teachers.grid.lbfgs.l2", "[0.1, cv]");
    }

    @Test
    void autoIsEmptyForTeachersThatDoNotTrainByLbfgs() {
        for (String[] family : List.of(new String[] {"ser.teachers.optimiser", "adamw"},
                new String[] {"ser.teachers.model", "tdnn"}, new String[] {"ser.teachers.dropout", "0.2"})) {
            SerConfig c = load(family);
            assertTrue(c.selection().teachers().auto(), family[0]);
            assertTrue(c.selection().teachers().isEmpty(), family[0] + " = " + family[1]);
            assertFalse(c.selection().any());
            // Without a grid the selection keys are not read, and auto's empty grid hashes as grid {} does.
            assertEquals(c.hash(), load(family[0], family[1], "ser.teachers.grid", "{}").hash(), family[0]);
            assertEquals(c.hash(), load(family[0], family[1], "ser.selection.inner-folds", "5",
                    "ser.selection.refit", "false").hash(), family[0]);
        }
        String adamw = load("ser.teachers.optimiser", "adamw").hash();
        String grid = load("ser.teachers.optimiser", "adamw", "ser.teachers.grid.dropout", "[0, 0.3]").hash();
        assertNotEquals(adamw, grid, "a grid changes what trains");
        assertNotEquals(grid, load("ser.teachers.optimiser", "adamw", "ser.teachers.grid.dropout", "[0, 0.3]",
                "ser.selection.refit", "false").hash());
        assertNotEquals(grid, load("ser.teachers.optimiser", "adamw", "ser.student.grid.dropout", "[0, 0.3]").hash(),
                "the family matters");
    }

    @Test
    void pointsAreTheProductInKeyOrderWithTheFamilyOtherwiseUnchanged() {
        SerConfig c = load("ser.teachers.grid.weight-decay", "[0.0001, 0.01]", "ser.teachers.grid.dropout", "[0, 0.3]",
                "ser.teachers.grid.hidden", "[[], [128]]", "ser.teachers.learning-rate", "0.003");
        SelectionGrid g = c.selection().teachers();
        assertEquals("ser.teachers", g.family());
        assertEquals(8, g.points().size());
        assertEquals("dropout=0 hidden=[] weight-decay=0.0001", g.points().get(0).label());
        assertEquals("dropout=0 hidden=[] weight-decay=0.01", g.points().get(1).label());
        assertEquals("dropout=0 hidden=[128] weight-decay=0.0001", g.points().get(2).label());
        assertEquals("dropout=0.3 hidden=[128] weight-decay=0.01", g.points().get(7).label());
        for (int i = 0; i < 8; i++) {
            assertEquals(i, g.points().get(i).index());
        }
        SerConfig.Training last = g.points().get(7).training();
        assertEquals(0.3, last.regularisation().dropout());
        assertEquals(0.01, last.optimisation().weightDecay());
        assertEquals(List.of(128), last.hidden());
        assertEquals(0.003, last.optimisation().learningRate(), "keys outside the grid stay the family's");
        assertEquals(c.teachers().optimisation().epochs(), last.optimisation().epochs());
        assertEquals(new PooledClassifierKind(List.of(), 1), c.modelKind(g.points().get(0).training()));
        assertEquals(List.of(256, 128), c.teachers().hidden(), "the family itself is unchanged");
        assertTrue(c.selection().student().isEmpty());
    }

    @Test
    void withEpochsChangesOnlyTheEpochs() {
        // An AdamW family: L-BFGS (the fbank default) reads no epoch count (OptimiserConfigTest).
        SerConfig.Training t = SerConfig.load(List.of(), java.util.Map.of("ser.teachers.optimiser", "adamw")).teachers();
        SerConfig.Training seven = t.withEpochs(7);
        assertEquals(7, seven.optimisation().epochs());
        assertEquals(t.optimisation().learningRate(), seven.optimisation().learningRate());
        assertEquals(t.regularisation(), seven.regularisation());
        assertEquals(t.hidden(), seven.hidden());
    }

    @Test
    void badGridsNameTheirKey() {
        assertKey("ser.teachers.grid.epochs", "ser.teachers.grid.epochs", "[5, 10]");
        assertKey("ser.teachers.grid", "ser.teachers.grid", "automatic");
        assertKey("ser.student.grid", "ser.student.grid", "3");
        assertKey("ser.teachers.grid.dropuot", "ser.teachers.grid.dropuot", "[0.1]");
        assertKey("ser.student.grid.dropout", "ser.student.grid.dropout", "[]");
        assertKey("ser.student.grid.dropout", "ser.student.grid.dropout", "0.3");
        assertKey("ser.student.grid.dropout", "ser.student.grid.dropout", "[0.1, 0.1]");
        assertKey("ser.teachers.grid.dropout", "ser.teachers.grid.dropout", "[0, 1.5]");
        assertKey("ser.teachers.grid.weight-decay", "ser.teachers.grid.weight-decay", "[-1]");
        assertKey("ser.teachers.grid.hidden", "ser.teachers.grid.hidden", "[[0]]");
        assertKey("ser.teachers.grid.hidden", "ser.teachers.grid.hidden", "[[128], [abc]]");
        assertKey("ser.teachers.grid.hidden", "ser.teachers.model", "tdnn", "ser.teachers.grid.hidden", "[[], [8]]");
        assertKey("ser.selection.inner-folds", "ser.selection.inner-folds", "1");
        assertKey("ser.selection.refit", "ser.selection.refit", "maybe");
        assertKey("ser.selection.folds", "ser.selection.folds", "3");
    }
}
