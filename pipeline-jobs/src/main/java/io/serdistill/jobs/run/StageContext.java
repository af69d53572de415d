package io.serdistill.jobs.run;

import io.serdistill.config.SerConfig;
import io.serdistill.jobs.fs.HadoopConf;
import io.serdistill.representation.Representation;
import io.serdistill.train.ModelKind;
import org.apache.spark.sql.SparkSession;

/** What every stage gets: the session, the validated config, the run's directory and a shippable Hadoop conf. */
public record StageContext(SparkSession spark, SerConfig config, RunLayout layout, HadoopConf hadoop) {

    /** GPU and executor resources of training tasks (ser.resources.gpu.*). */
    public SerConfig.Resources gpus() {
        return config.resources();
    }

    /** Every model of this run: its teachers and the students of its methods, with their files. */
    public Roster roster() {
        return Roster.of(config, layout);
    }

    /** What models are fed (see {@link Representation}): its extractor, table, input column and model family. */
    public Representation representation() {
        return config.features().representation();
    }

    /** features/{table}/ of this run's representation. */
    public String featuresPath() {
        return layout.features(representation().table());
    }

    /**
     * What {@code model} is: the teachers' or the students' family for this run's representation, or the reference;
     * a student whose method takes the language as an input gets it as a one-hot in ser.input.languages order.
     */
    public ModelKind modelKind(Roster.Model model) {
        return switch (model.role()) {
            case TEACHER -> modelKind(model, config.teachers());
            case STUDENT -> modelKind(model, config.student());
            case REFERENCE -> config.reference().kind();
        };
    }

    /**
     * What {@code model} (a teacher or a student) is with its family's settings replaced by {@code family} (a grid
     * point's, {@link io.serdistill.config.SelectionGrid}).
     */
    public ModelKind modelKind(Roster.Model model, SerConfig.Training family) {
        if (model.role() == Roster.Role.REFERENCE) {
            throw new IllegalArgumentException(model.name() + ": a linear reference has no family settings");
        }
        ModelKind kind = config.modelKind(family);
        return model.role() == Roster.Role.STUDENT && model.student().method().languageInput()
                ? kind.withLanguageInput(config.input().languages()) : kind;
    }

    /**
     * The features column {@code model} reads: its family's ({@link SerConfig#inputColumn}: the frames for a TDNN);
     * the linear references always take the pooled vector.
     */
    public String inputColumn(Roster.Model model) {
        return switch (model.role()) {
            case TEACHER -> config.inputColumn(config.teachers());
            case STUDENT -> config.inputColumn(config.student());
            case REFERENCE -> Representation.POOLED;
        };
    }

    public String master() {
        return spark.sparkContext().master();
    }
}
