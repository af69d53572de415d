package io.serdistill.jobs.stages;

import io.serdistill.data.LeakageGuard;
import io.serdistill.jobs.run.StageContext;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;

/** Runs {@link LeakageGuard} over the features table before any model trains or selects on it. */
final class LeakageCheck {
    private LeakageCheck() {}

    static void run(StageContext ctx) {
        LeakageGuard.check(members(ctx));
    }

    /** Before model selection trains: its inner folds ({@code speakers}, {@code utterances}) hold no test data. */
    static void innerFolds(StageContext ctx, Set<String> speakers, Set<String> utterances) {
        LeakageGuard.checkInnerFolds(members(ctx), speakers, utterances);
    }

    private static List<LeakageGuard.Member> members(StageContext ctx) {
        return ctx.spark().read().parquet(ctx.featuresPath())
                .select("utt_id", "speaker", "path", "split").collectAsList().stream()
                .map((Row r) -> new LeakageGuard.Member(r.getString(0), r.getString(1), r.getString(2), r.getString(3)))
                .toList();
    }
}
