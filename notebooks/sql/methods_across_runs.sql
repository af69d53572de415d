-- UA and WA on the test split per run, method and language (and "all" languages pooled), a model's seeds and folds
-- as one model ({model}-seed{s}, ser_metrics.seed, counts as {model}), as the cross-run page (submit/ser report) and
-- the run report's first screen show them: a model with one value in its run (one fold, one seed) has its UA with
-- the bootstrap 95% interval over utterances; with several (ser.run.seeds > 1, or several folds) the mean UA over
-- those (fold, seed) values with a 95% Student-t interval over them (t(0.975, k-1) as ConfidenceInterval.studentT95:
-- tabled to 30 degrees of freedom, a Cornish-Fisher expansion beyond, within 2e-6). WA: the mean over the values.
-- Multilingual students on every language; per-language models (teachers, method ft-mono, the *-mono students and
-- reference-linear) on their own language only: the monolingual reference a multilingual student has to match.
-- columns: run_id, started, git_commit, method, model, language, folds, seeds, ua, ua_ci_low, ua_ci_high, wa, n
WITH per_value AS (
  SELECT m.run_id,
         m.fold,
         m.seed,
         m.method,
         regexp_replace(m.model, '-seed[0-9]+$', '') AS model,
         m.language,
         max(CASE WHEN m.metric = 'ua' THEN m.value END) AS ua,
         max(CASE WHEN m.metric = 'ua' THEN m.ci_low END) AS ua_ci_low,
         max(CASE WHEN m.metric = 'ua' THEN m.ci_high END) AS ua_ci_high,
         max(CASE WHEN m.metric = 'wa' THEN m.value END) AS wa,
         max(m.n) AS n
  FROM ser_metrics m
  WHERE m.split = 'test'
    AND ((m.method NOT LIKE '%-mono' AND m.method <> 'reference-linear') OR m.model LIKE concat('%-', m.language)
         OR m.model LIKE concat('%-', m.language, '-seed%'))
  GROUP BY m.run_id, m.fold, m.seed, m.method, regexp_replace(m.model, '-seed[0-9]+$', ''), m.language
),
per_model AS (
  SELECT run_id,
         method,
         model,
         language,
         count(DISTINCT fold) AS folds,
         count(DISTINCT seed) AS seeds,
         count(*) AS k,
         avg(ua) AS ua,
         stddev_samp(ua) AS sd,
         min(ua_ci_low) AS boot_low,
         min(ua_ci_high) AS boot_high,
         avg(wa) AS wa,
         max(n) AS n
  FROM per_value
  GROUP BY run_id, method, model, language
),
with_t AS (
  SELECT *,
         CASE k - 1
              WHEN 1 THEN 12.706204736174746
              WHEN 2 THEN 4.302652729698313
              WHEN 3 THEN 3.182446304857476
              WHEN 4 THEN 2.776445105018461
              WHEN 5 THEN 2.570581835636347
              WHEN 6 THEN 2.446911851145005
              WHEN 7 THEN 2.364624251592827
              WHEN 8 THEN 2.306004135204204
              WHEN 9 THEN 2.262157162798239
              WHEN 10 THEN 2.228138851986303
              WHEN 11 THEN 2.200985160091663
              WHEN 12 THEN 2.178812829667249
              WHEN 13 THEN 2.160368656462809
              WHEN 14 THEN 2.144786687917819
              WHEN 15 THEN 2.131449545559789
              WHEN 16 THEN 2.119905299221265
              WHEN 17 THEN 2.109815577833325
              WHEN 18 THEN 2.100922040241047
              WHEN 19 THEN 2.093024054408315
              WHEN 20 THEN 2.085963447265870
              WHEN 21 THEN 2.079613844727686
              WHEN 22 THEN 2.073873067904029
              WHEN 23 THEN 2.068657610419049
              WHEN 24 THEN 2.063898561628026
              WHEN 25 THEN 2.059538552753300
              WHEN 26 THEN 2.055529438642874
              WHEN 27 THEN 2.051830516480284
              WHEN 28 THEN 2.048407141795248
              WHEN 29 THEN 2.045229642132707
              WHEN 30 THEN 2.042272456301238
              ELSE 1.959963984540054 + (power(1.959963984540054, 3) + 1.959963984540054) / (4 * (k - 1))
                   + (5 * power(1.959963984540054, 5) + 16 * power(1.959963984540054, 3) + 3 * 1.959963984540054)
                     / (96 * power(k - 1, 2))
                   + (3 * power(1.959963984540054, 7) + 19 * power(1.959963984540054, 5)
                      + 17 * power(1.959963984540054, 3) - 15 * 1.959963984540054) / (384 * power(k - 1, 3))
         END AS t
  FROM per_model
)
SELECT g.run_id,
       r.started,
       r.git_commit,
       g.method,
       g.model,
       g.language,
       g.folds,
       g.seeds,
       g.ua,
       CASE WHEN g.k = 1 THEN g.boot_low ELSE g.ua - g.t * g.sd / sqrt(g.k) END AS ua_ci_low,
       CASE WHEN g.k = 1 THEN g.boot_high ELSE g.ua + g.t * g.sd / sqrt(g.k) END AS ua_ci_high,
       g.wa,
       g.n
FROM with_t g
JOIN ser_runs r ON r.run_id = g.run_id
ORDER BY r.started, g.run_id, g.language, g.method
