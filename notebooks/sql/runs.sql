-- Every published run: when, from which commit and config, on how much data, and how many rows were rejected.
-- columns: run_id, started, finished, minutes, git_commit, config_hash, seed, utterances, rejects
SELECT run_id,
       started,
       finished,
       round((unix_timestamp(finished) - unix_timestamp(started)) / 60.0, 1) AS minutes,
       git_commit,
       config_hash,
       seed,
       utterances,
       rejects
FROM ser_runs
ORDER BY started, run_id
