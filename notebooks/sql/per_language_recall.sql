-- Per-language UA and WA of each method on the test split, over all published runs: mean, spread and count.
-- Per-language models (teachers, ft-mono, *-mono students, reference-linear) count on their own language only.
-- With ser.run.seeds > 1 each seed is its own model ({model}-seed{s}, ser_metrics.seed): the mean is over runs and seeds.
-- columns: method, language, runs, mean_ua, min_ua, max_ua, mean_wa
SELECT method,
       language,
       count(DISTINCT run_id) AS runs,
       avg(CASE WHEN metric = 'ua' THEN value END) AS mean_ua,
       min(CASE WHEN metric = 'ua' THEN value END) AS min_ua,
       max(CASE WHEN metric = 'ua' THEN value END) AS max_ua,
       avg(CASE WHEN metric = 'wa' THEN value END) AS mean_wa
FROM ser_metrics
WHERE split = 'test'
  AND metric IN ('ua', 'wa')
  AND language <> 'all'
  AND ((method NOT LIKE '%-mono' AND method <> 'reference-linear') OR model LIKE concat('%-', language)
       OR model LIKE concat('%-', language, '-seed%'))
GROUP BY method, language
ORDER BY language, method
