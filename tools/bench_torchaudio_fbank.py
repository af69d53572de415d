#!/usr/bin/python3
"""Throughput of torchaudio.compliance.kaldi.fbank (80 bins, otherwise defaults) on one thread, in seconds of
audio per second, for comparison with io.serdistill.features.FbankBench (same kind of signal, same options).

    /usr/bin/python3 tools/bench_torchaudio_fbank.py [seconds=60] [warmups=5] [runs=20]
"""
import sys
import time

import numpy as np
import torch
import torchaudio
import torchaudio.compliance.kaldi as kaldi

RATE = 16000


def speech_like(n, seed):
    """Gliding harmonic voice with a 4 Hz envelope plus white noise, PCM16 scale (as FbankBench.speechLike)."""
    rng = np.random.RandomState(seed)
    t = np.arange(n) / RATE
    f0 = 170 + 50 * np.sin(2 * np.pi * 1.3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    voiced = sum(np.sin(k * phase) / k for k in range(1, 11))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2
    return (32767 * (0.15 * envelope * voiced + 0.01 * rng.standard_normal(n))).astype(np.float32)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    warmups = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    torch.set_num_threads(1)
    wave = torch.from_numpy(speech_like(int(seconds * RATE), 1234)).unsqueeze(0)
    with torch.inference_mode():
        for _ in range(warmups):
            kaldi.fbank(wave, num_mel_bins=80)
        rates = []
        for _ in range(runs):
            start = time.perf_counter()
            feats = kaldi.fbank(wave, num_mel_bins=80)
            rates.append(seconds / (time.perf_counter() - start))
    rates.sort()
    print(f"torchaudio {torchaudio.__version__} (torch {torch.__version__}) kaldi.fbank 80 bins, {seconds:.0f} s of"
          f" audio ({feats.shape[0]} frames), threads={torch.get_num_threads()}")
    print(f"audio seconds per second: median {rates[len(rates) // 2]:.0f}, best {rates[-1]:.0f},"
          f" worst {rates[0]:.0f} ({runs} runs after {warmups} warm-up)")


if __name__ == "__main__":
    main()
