package io.serdistill.jobs.run;

import io.serdistill.config.SerConfig;
import io.serdistill.distill.StudentPlan;
import java.util.List;
import java.util.Optional;

/**
 * Every model of a run, in report order (each language's teacher, then the students of {@link StudentPlan} in
 * method order): the one place that names models and says where their files are. Stages and reports ask it
 * instead of rebuilding or parsing names.
 */
public record Roster(List<Model> models) {
    /** The method of the teachers: fine-tuning on their own language. */
    public static final String TEACHER_METHOD = "ft-mono";

    public enum Role { TEACHER, STUDENT }

    /**
     * One model.
     *
     * @param language the only language it trains on and is reported on (a teacher's, a mono student's), or null
     *                 for a student of every language
     * @param uri      its model.safetensors on the run's FileSystem
     * @param student  how a student is trained; null for a teacher
     */
    public record Model(String name, Role role, String method, String language, String uri, StudentPlan.Student student) {
        public boolean ownLanguageOnly() {
            return language != null;
        }
    }

    public Roster {
        models = List.copyOf(models);
    }

    /** The run's teachers (one per ser.input.languages) and the students its ser.distill.methods call for. */
    public static Roster of(SerConfig cfg, RunLayout layout) {
        List<Model> teachers = cfg.input().languages().stream().map(l -> new Model("teacher-" + l, Role.TEACHER,
                TEACHER_METHOD, l, layout.teacherModel(l), null)).toList();
        List<Model> students = StudentPlan.plan(cfg.distill().methods(), cfg.input().languages(), cfg.distill().alpha(),
                        cfg.distill().singleTeacherAlpha(), cfg.distill().beta()).stream()
                .map(s -> new Model(s.model(), Role.STUDENT, s.method().label(), s.language(),
                        layout.studentModel(s.method().label(), s.language()), s))
                .toList();
        return new Roster(java.util.stream.Stream.concat(teachers.stream(), students.stream()).toList());
    }

    public List<Model> teachers() {
        return models.stream().filter(m -> m.role() == Role.TEACHER).toList();
    }

    public List<Model> students() {
        return models.stream().filter(m -> m.role() == Role.STUDENT).toList();
    }

    public List<String> names() {
        return models.stream().map(Model::name).toList();
    }

    public Optional<Model> named(String name) {
        return models.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** The model of {@code method} reported on {@code language}: that language's own model, else the all-language one. */
    public Optional<Model> reportedOn(String method, String language) {
        return models.stream().filter(m -> m.method().equals(method)
                && (m.language() == null || m.language().equals(language))).findFirst();
    }

    /** Whether the models of {@code method} are each trained and reported on their own language only. */
    public boolean ownLanguageOnly(String method) {
        return models.stream().anyMatch(m -> m.method().equals(method) && m.ownLanguageOnly());
    }
}
