#!/usr/bin/python3
"""One frozen-CNN fine-tuning step of torchaudio's wav2vec2_base() on CPU, the torch side of
io.serdistill.train.Wav2Vec2FineTuneBench: CNN frames of `seconds` of audio precomputed (random, [B, frames, 512],
as the pipeline stores them), feature projection + positional conv + 12 post-LN layers (dropout and LayerDrop off,
as the Java model has none), a learned softmax-weighted sum of the 13 hidden states, mean pooling over frames,
768 -> 256 -> 4 head, cross-entropy, backward, clip_grad_norm_(1.0), AdamW (lr 1e-5, weight decay 0.01). Prints
the median and best step time and the process's peak resident memory.

    /usr/bin/python3 tools/bench_torch_wav2vec2_finetune.py [threads=2] [seconds=4] [warmups=1] [runs=3] [batch=1]

Give Debian's torch the OpenBLAS that ND4J uses (see tools/bench_torchaudio_wav2vec2.py), e.g.
    LD_LIBRARY_PATH=/tmp/w2v-blas OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tools/bench_torch_wav2vec2_finetune.py 2 4 1 3 1
tools/bench_wav2vec2_finetune.sh runs both sides and prints the ratio.
"""
import resource
import sys
import time

import torch
import torchaudio

RATE = 16000


def frames_of(samples):
    n = samples
    for k, s in [(10, 5), (3, 2), (3, 2), (3, 2), (3, 2), (2, 2), (2, 2)]:
        n = (n - k) // s + 1
    return n


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 4.0
    warmups = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    batch = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    model = torchaudio.models.wav2vec2_base(encoder_projection_dropout=0.0, encoder_attention_dropout=0.0,
                                            encoder_ff_interm_dropout=0.0, encoder_dropout=0.0,
                                            encoder_layer_drop=0.0)
    encoder = model.encoder.train()
    layers = len(encoder.transformer.layers)
    layer_logits = torch.nn.Parameter(torch.zeros(layers + 1))
    projector = torch.nn.Linear(768, 256)
    classifier = torch.nn.Linear(256, 4)
    params = list(encoder.parameters()) + [layer_logits] + list(projector.parameters()) + list(classifier.parameters())
    opt = torch.optim.AdamW(params, lr=1e-5, weight_decay=0.01)
    t = frames_of(int(seconds * RATE))
    feats = torch.rand(batch, t, 512)
    labels = torch.zeros(batch, dtype=torch.long)

    def step():
        opt.zero_grad()
        x, mask = encoder._preprocess(feats, None)
        tr = encoder.transformer
        x = tr._preprocess(x)
        states = [x]
        for layer in tr.layers:
            x = layer(x, mask)
            states.append(x)
        w = torch.softmax(layer_logits, 0)
        h = sum(w[i] * s for i, s in enumerate(states))
        z = classifier(projector(h.mean(1)))
        loss = torch.nn.functional.cross_entropy(z, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    for _ in range(warmups):
        step()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    times.sort()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"torch {torch.__version__} / torchaudio {torchaudio.__version__} wav2vec2_base fine-tuning step, {t} frames "
          f"({seconds:.1f} s), batch {batch}, threads {torch.get_num_threads()}: median {times[runs // 2]:.2f} s, "
          f"best {times[0]:.2f} s ({runs} runs after {warmups} warm-up); peak resident {peak} kB")
    print(f"result median_s={times[runs // 2]:.4f} best_s={times[0]:.4f} peak_rss_kb={peak}")


if __name__ == "__main__":
    main()
