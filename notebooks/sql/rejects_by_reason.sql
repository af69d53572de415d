-- Rejected manifest rows per run, stage and reason, with one example message: where a corpus needs fixing.
-- columns: run_id, stage, reason, rejected, example
SELECT run_id, stage, reason, count(*) AS rejected, min(message) AS example
FROM ser_rejects
GROUP BY run_id, stage, reason
ORDER BY run_id, stage, rejected DESC
