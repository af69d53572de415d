#!/usr/bin/python3
"""Forward time of torchaudio's wav2vec2_base() (random init, eval mode, no grad) on CPU for 4 s of 16 kHz
audio, batch 1 and 8, for comparison with io.serdistill.model.wav2vec2.Wav2Vec2Bench. Use the thread count that
Wav2Vec2Bench prints for ND4J.

    /usr/bin/python3 tools/bench_torchaudio_wav2vec2.py [threads=2] [seconds=4] [warmups=2] [runs=5]

Debian's python3-torch is built with BLAS_INFO=generic and, unless an optimised libblas.so.3 is selected, runs on
the reference (netlib) BLAS, ~13x slower at GEMM. For a fair comparison give it the OpenBLAS that ND4J itself uses,
without touching the system's alternatives:

    mkdir -p /tmp/w2v-blas && ln -sf ~/.javacpp/cache/openblas-0.3.19-1.5.7-linux-x86_64.jar/org/bytedeco/openblas/linux-x86_64/libopenblas.so.0 /tmp/w2v-blas/libblas.so.3
    LD_LIBRARY_PATH=/tmp/w2v-blas OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tools/bench_torchaudio_wav2vec2.py 2 4 1 3

Times model.extract_features (all layer outputs, as the Java side returns), which is what the extract stage needs.
"""
import sys
import time

import torch
import torchaudio

RATE = 16000


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 4.0
    warmups = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    model = torchaudio.models.wav2vec2_base().eval()
    print(f"torchaudio {torchaudio.__version__} wav2vec2_base, random init, {seconds:.1f} s audio; "
          f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    for batch in (1, 8):
        g = torch.Generator().manual_seed(batch)
        waves = 0.1 * (2 * torch.rand(batch, int(seconds * RATE), generator=g) - 1)
        with torch.inference_mode():
            for _ in range(warmups):
                model.extract_features(waves)
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                model.extract_features(waves)
                times.append(time.perf_counter() - start)
        times.sort()
        print(f"batch {batch}: median {times[runs // 2]:.3f} s, best {times[0]:.3f} s, worst {times[-1]:.3f} s "
              f"per forward ({runs} runs after {warmups} warm-up)")


if __name__ == "__main__":
    main()
