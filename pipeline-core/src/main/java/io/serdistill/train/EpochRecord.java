package io.serdistill.train;

import java.io.Serializable;

/** One epoch of training history. UA/WA are on the dev split (NaN when there is none); seconds is wall time. */
public record EpochRecord(int epoch, double trainLoss, double devLoss, double devUa, double devWa,
                          double learningRate, double seconds) implements Serializable {}
