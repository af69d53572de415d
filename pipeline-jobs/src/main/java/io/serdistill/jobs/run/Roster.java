package io.serdistill.jobs.run;

import io.serdistill.config.SerConfig;
import io.serdistill.distill.StudentPlan;
import java.util.List;
import java.util.Optional;

/**
 * Every model of a run, in report order (each language's teacher, then the students of {@link StudentPlan} in
 * method order, then the linear references; with ser.run.seeds = N, each teacher and student N times, its seeds in
 * order): the one place that names models and says where their files are. Stages and reports ask it instead of
 * rebuilding or parsing names.
 *
 * <p>Seed 1 of a model keeps the name and file a single-seed run gives it; seed s > 1 is named {@code {name}-seed{s}}
 * with its file in {@code {model dir}/seed-{s}/} ({@link RunLayout#replicate}). The linear references have no random
 * part and train once (seed 1).
 */
public record Roster(List<Model> models) {
    /** The method of the teachers: fine-tuning on their own language. */
    public static final String TEACHER_METHOD = "ft-mono";

    /** The method of the per-language linear references, and of the one on every language. */
    public static final String REFERENCE_METHOD = "reference-linear";
    public static final String REFERENCE_MULTI_METHOD = "reference-linear-multi";

    public enum Role { TEACHER, STUDENT, REFERENCE }

    /**
     * One model.
     *
     * @param language the only language it trains on and is reported on (a teacher's, a mono student's), or null
     *                 for a student of every language
     * @param uri      its model.safetensors on the run's FileSystem
     * @param student  how a student is trained; null for a teacher
     * @param seed     which of the run's seeds (1-based) it trains with
     */
    public record Model(String name, Role role, String method, String language, String uri, StudentPlan.Student student,
                        int seed) {
        public Model(String name, Role role, String method, String language, String uri, StudentPlan.Student student) {
            this(name, role, method, language, uri, student, 1);
        }

        public boolean ownLanguageOnly() {
            return language != null;
        }

        /** Its model package (model.safetensors + model-card.json, written by evaluate): {model dir}/package. */
        public String packageUri() {
            return uri.substring(0, uri.lastIndexOf('/')) + "/package";
        }
    }

    public Roster {
        models = List.copyOf(models);
    }

    /** The run's teachers (one per ser.input.languages) and the students its ser.distill.methods call for. */
    public static Roster of(SerConfig cfg, RunLayout layout) {
        int seeds = cfg.run().seeds();
        List<Model> teachers = cfg.input().languages().stream().flatMap(l -> replicates(new Model("teacher-" + l,
                Role.TEACHER, TEACHER_METHOD, l, layout.teacherModel(l), null), seeds).stream()).toList();
        List<Model> students = StudentPlan.plan(cfg.distill().methods(), cfg.input().languages(), cfg.distill().alpha(),
                        cfg.distill().singleTeacherAlpha(), cfg.distill().beta()).stream()
                .flatMap(s -> replicates(new Model(s.model(), Role.STUDENT, s.method().label(), s.language(),
                        layout.studentModel(s.method().label(), s.language()), s), seeds).stream())
                .toList();
        List<Model> references = new java.util.ArrayList<>();
        if (cfg.reference().linear()) {
            for (String l : cfg.input().languages()) {
                String name = REFERENCE_METHOD + "-" + l;
                references.add(new Model(name, Role.REFERENCE, REFERENCE_METHOD, l, layout.referenceModel(name), null));
            }
            references.add(new Model(REFERENCE_MULTI_METHOD, Role.REFERENCE, REFERENCE_MULTI_METHOD, null,
                    layout.referenceModel(REFERENCE_MULTI_METHOD), null));
        }
        return new Roster(java.util.stream.Stream.of(teachers, students, references).flatMap(List::stream).toList());
    }

    /** {@code first} (seed 1) and its seeds 2…{@code seeds}, each with its own name and file. */
    static List<Model> replicates(Model first, int seeds) {
        List<Model> out = new java.util.ArrayList<>(List.of(first));
        for (int s = 2; s <= seeds; s++) {
            out.add(new Model(first.name() + "-seed" + s, first.role(), first.method(), first.language(),
                    RunLayout.replicate(first.uri(), s), first.student(), s));
        }
        return out;
    }

    /** The most seeds any model of the run has (ser.run.seeds; 1 for a run of references only). */
    public int seeds() {
        return models.stream().mapToInt(Model::seed).max().orElse(1);
    }

    /** Every seed of the model of {@code method} reported on {@code language}, seed 1 first. */
    public List<Model> replicatesOn(String method, String language) {
        return models.stream().filter(m -> m.method().equals(method)
                && (m.language() == null || m.language().equals(language))).toList();
    }

    public List<Model> teachers() {
        return models.stream().filter(m -> m.role() == Role.TEACHER).toList();
    }

    /** The linear references (each language's, then the one on every language); empty when turned off. */
    public List<Model> references() {
        return models.stream().filter(m -> m.role() == Role.REFERENCE).toList();
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
