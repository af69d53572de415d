package io.serdistill.jobs.stages;

import io.serdistill.data.LeakageGuard;
import io.serdistill.jobs.run.StageContext;
import java.util.List;
import org.apache.spark.sql.Row;

/** Runs {@link LeakageGuard} over the features table before any model trains or selects on it. */
final class LeakageCheck {
    private LeakageCheck() {}

    static void run(StageContext ctx) {
        List<LeakageGuard.Member> members = ctx.spark().read().parquet(ctx.featuresPath())
                .select("utt_id", "speaker", "path", "split").collectAsList().stream()
                .map((Row r) -> new LeakageGuard.Member(r.getString(0), r.getString(1), r.getString(2), r.getString(3)))
                .toList();
        LeakageGuard.check(members);
    }
}
