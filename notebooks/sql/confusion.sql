-- Confusion counts on the test split per run, model and language, with each cell's share of its true emotion
-- (the row): the diagonal share is that emotion's recall.
-- columns: run_id, model, method, language, true_emotion, predicted_emotion, count, share
SELECT run_id,
       model,
       method,
       language,
       true_emotion,
       predicted_emotion,
       `count`,
       CASE WHEN sum(`count`) OVER w = 0 THEN 0.0 ELSE `count` / sum(`count`) OVER w END AS share
FROM ser_confusion
WHERE split = 'test'
WINDOW w AS (PARTITION BY run_id, model, language, split, true_emotion)
ORDER BY run_id, model, language, true_emotion, predicted_emotion
