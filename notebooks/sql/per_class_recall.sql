-- Recall, precision and F1 per emotion on the test split, per run, method and language: which emotions a method
-- gains or loses on. Per-language models (teachers, *-mono students, reference-linear) on their own language only.
-- With ser.run.seeds > 1 each seed is its own model ({model}-seed{s}), one row each.
-- columns: run_id, method, model, language, emotion, support, recall, precision, f1
SELECT run_id, method, model, language, emotion, support, recall, precision, f1
FROM ser_class_metrics
WHERE split = 'test'
  AND language <> 'all'
  AND ((method NOT LIKE '%-mono' AND method <> 'reference-linear') OR model LIKE concat('%-', language)
       OR model LIKE concat('%-', language, '-seed%'))
ORDER BY run_id, language, emotion, method
