package io.serdistill.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class StudentPlanTest {
    @Test
    void expandsTheExperimentMatrix() {
        List<StudentPlan.Student> plan = StudentPlan.plan(
                Stream.of("ft-multi", "kd-mono", "kd-multi", "mtkd-mono", "mtkd-language", "mtkd-language-similarity")
                        .map(StudentMethod::parse).toList(),
                List.of("en", "fi"), 0.75, 0.25, 0.8);
        assertEquals(List.of("student-ft-multi", "student-kd-mono-en", "student-kd-mono-fi", "student-kd-multi",
                "student-mtkd-mono-en", "student-mtkd-mono-fi", "student-mtkd-language",
                "student-mtkd-language-similarity"), plan.stream().map(StudentPlan.Student::model).toList());
        StudentPlan.Student ft = plan.get(0);
        assertNull(ft.weighting());
        assertEquals(1.0, ft.alpha());
        StudentPlan.Student kdMonoFi = plan.get(2);
        assertEquals("fi", kdMonoFi.language());
        assertEquals(0.25, kdMonoFi.alpha(), "single-teacher alpha");
        assertEquals(new TeacherWeighting.Language(1.0), kdMonoFi.weighting(), "own teacher only");
        assertEquals(new TeacherWeighting.Language(1.0), plan.get(3).weighting(), "kd-multi routes to the own teacher");
        assertEquals(new TeacherWeighting.Language(0.8), plan.get(4).weighting());
        assertEquals(0.75, plan.get(6).alpha());
        assertInstanceOf(TeacherWeighting.LanguageSimilarity.class, plan.get(7).weighting());
        assertEquals(StudentMethod.KD_MONO, kdMonoFi.method());
    }

    @Test
    void newBaselinesAndWeightingsArePlannedAsOneStudentEach() {
        List<StudentPlan.Student> plan = StudentPlan.plan(
                Stream.of("ft-multi-lang", "mtkd-similarity-utterance", "mtkd-gold").map(StudentMethod::parse).toList(),
                List.of("en", "fi"), 0.75, 0.25, 0.8);
        assertEquals(List.of("student-ft-multi-lang", "student-mtkd-similarity-utterance", "student-mtkd-gold"),
                plan.stream().map(StudentPlan.Student::model).toList());
        assertNull(plan.get(0).weighting(), "labels only");
        assertEquals(1.0, plan.get(0).alpha());
        assertEquals(true, plan.get(0).method().languageInput());
        assertEquals(false, plan.get(1).method().languageInput());
        assertEquals(0.75, plan.get(1).alpha());
        assertEquals(0.75, plan.get(2).alpha());
    }

    @Test
    void unknownMethodIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StudentMethod.parse("mtkd-magic"));
        assertEquals(true, e.getMessage().contains("'mtkd-magic'"));
    }
}
