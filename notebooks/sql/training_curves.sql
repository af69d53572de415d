-- Training curves: per run, model and epoch the training loss and the dev-split loss, UA and WA; best marks the
-- epoch whose weights were kept.
-- columns: run_id, model, method, epoch, train_loss, dev_loss, dev_ua, dev_wa, best
SELECT run_id, model, method, epoch, train_loss, dev_loss, dev_ua, dev_wa, best
FROM ser_training_history
ORDER BY run_id, model, epoch
