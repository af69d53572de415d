package io.serdistill.jobs;

import io.serdistill.jobs.run.Stage;
import io.serdistill.jobs.stages.DistillStage;
import io.serdistill.jobs.stages.EvaluateStage;
import io.serdistill.jobs.stages.ExtractStage;
import io.serdistill.jobs.stages.ManifestStage;
import io.serdistill.jobs.stages.PublishStage;
import io.serdistill.jobs.stages.TeachersStage;
import java.util.List;

/** pipeline: manifest → extract → teachers → distill → evaluate → publish, skipping stages already complete with this config. */
public final class PipelineJob {
    private PipelineJob() {}

    public static List<Stage> stages() {
        return List.of(new ManifestStage(), new ExtractStage(), new TeachersStage(), new DistillStage(), new EvaluateStage(),
                new PublishStage());
    }
}
