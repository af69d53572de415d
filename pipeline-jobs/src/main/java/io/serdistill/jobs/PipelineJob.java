package io.serdistill.jobs;

import java.util.List;

/** pipeline: manifest → extract → teachers → distill → evaluate → publish, skipping stages already complete with this config. */
public final class PipelineJob {
    private PipelineJob() {}

    public static List<Stage> stages() {
        return List.of(new ManifestStage(), new ExtractStage(), new TeachersStage(), new DistillStage(), new EvaluateStage(),
                new PublishStage());
    }
}
