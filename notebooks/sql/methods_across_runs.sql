-- UA and WA on the test split per run, method and language (and "all" languages pooled), with bootstrap 95%
-- intervals for UA. Multilingual students on every language; per-language models (teachers, method ft-mono,
-- the *-mono students and reference-linear) on their own language only: the monolingual reference a multilingual student has to match.
-- With ser.run.seeds > 1 each seed is its own model ({model}-seed{s}, ser_metrics.seed), one row each.
-- columns: run_id, started, git_commit, method, model, language, ua, ua_ci_low, ua_ci_high, wa, n
SELECT m.run_id,
       r.started,
       r.git_commit,
       m.method,
       m.model,
       m.language,
       max(CASE WHEN m.metric = 'ua' THEN m.value END) AS ua,
       max(CASE WHEN m.metric = 'ua' THEN m.ci_low END) AS ua_ci_low,
       max(CASE WHEN m.metric = 'ua' THEN m.ci_high END) AS ua_ci_high,
       max(CASE WHEN m.metric = 'wa' THEN m.value END) AS wa,
       max(m.n) AS n
FROM ser_metrics m
JOIN ser_runs r ON r.run_id = m.run_id
WHERE m.split = 'test'
  AND m.fold = 0
  AND ((m.method NOT LIKE '%-mono' AND m.method <> 'reference-linear') OR m.model LIKE concat('%-', m.language)
       OR m.model LIKE concat('%-', m.language, '-seed%'))
GROUP BY m.run_id, r.started, r.git_commit, m.method, m.model, m.language
ORDER BY r.started, m.run_id, m.language, m.method
