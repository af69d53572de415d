#!/usr/bin/python3
"""Training time of the frame-level fbank TDNN in PyTorch, for comparison with io.serdistill.model.tdnn.TdnnBench
(same architecture, batch, data sizes, optimiser, schedule and loss; same thread count):

    /usr/bin/python3 tools/bench_torch_tdnn.py [threads=1] [channels=64,64,64] [warmups=15] [runs=10] [epochs=2]
                                               [layer_norm=true] [attention_dim=channels[-1]/2]

TdnnBench runs it itself (given ND4J's OpenBLAS as libblas, OMP_WAIT_POLICY=PASSIVE); by hand:
    mkdir -p /tmp/w2v-blas && ln -sf ~/.javacpp/cache/openblas-0.3.19-1.5.7-linux-x86_64.jar/org/bytedeco/openblas/linux-x86_64/libopenblas.so.0 /tmp/w2v-blas/libblas.so.3
    LD_LIBRARY_PATH=/tmp/w2v-blas OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE \
        /usr/bin/python3 tools/bench_torch_tdnn.py 1 64,64,64

Model (io.serdistill.model.tdnn.TdnnClassifier): 80-bin frames standardised per bin; per layer i a Conv1d with kernel
k_i (5, 3, 3, ...), dilation d_i (1, 2, 3, ...), "same" zero padding (k_i - 1) / 2 * d_i, then ReLU, then (optional)
layer norm over channels per frame (eps 1e-5, learned gain and bias), then multiplied by the frame mask; masked
attentive statistics pooling (alpha = softmax over real frames of v . tanh(W x_t + b), no bias on v; output
[sum alpha x ; sqrt(sum alpha (x - mean)^2 + 1e-6)]); a linear classifier to 4 classes; label cross-entropy (the
bench's alpha = 1, no distillation). Training steps apply SpecAugment (2 time masks up to 10 frames, 2 frequency
masks up to 8 bins) to the standardised frames. Optimiser as TrainingLoop: AdamW(lr 0.002, betas 0.9/0.999, eps 1e-8,
weight_decay 1e-4 on every parameter, as TdnnClassifier decays all), clip_grad_norm_(5), linear warm-up over 5 % of
the steps then cosine decay.

Data (as the Java bench): batch 32 utterances of 160-199 frames x 80 bins of N(0, 1), zero-padded to the longest and
masked; an epoch is 384 training utterances (12 steps) in a seeded shuffle, then the dev pass over 96 utterances
(logits in length-sorted batches of 32, as TdnnClassifier scores). Reported:
  step   one optimiser step on a fixed batch (augmentation, zero_grad, forward, loss, backward, clip, AdamW, schedule);
         mean of `runs` after `warmups`
  epoch  median of the epochs after the first of an `epochs`-epoch run (just the last when epochs is 2)
Both wall time and the process's CPU time are printed: on a shared, loaded machine the CPU time is the steadier figure
(the Java bench prints its training thread's).
"""
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

BINS = 80
CLASSES = 4
BATCH = 32


class Tdnn(torch.nn.Module):
    def __init__(self, channels, layer_norm, attention_dim):
        super().__init__()
        kernels = [5, 3, 3, 3, 3][:len(channels)]
        dilations = [1, 2, 3, 4, 5][:len(channels)]
        self.convs = torch.nn.ModuleList()
        self.norms = torch.nn.ModuleList()
        width = BINS
        for c, k, d in zip(channels, kernels, dilations):
            self.convs.append(torch.nn.Conv1d(width, c, k, dilation=d, padding=(k - 1) // 2 * d))
            self.norms.append(torch.nn.LayerNorm(c, eps=1e-5) if layer_norm else torch.nn.Identity())
            width = c
        self.att = torch.nn.Linear(width, attention_dim)
        self.att_v = torch.nn.Linear(attention_dim, 1, bias=False)
        self.cls = torch.nn.Linear(2 * width, CLASSES)

    def forward(self, x, mask):
        """x [B, T, bins] standardised, zero after each utterance; mask [B, T]."""
        m = mask.unsqueeze(2)
        h = x
        for conv, norm in zip(self.convs, self.norms):
            h = norm(torch.relu(conv(h.transpose(1, 2)).transpose(1, 2))) * m
        scores = self.att_v(torch.tanh(self.att(h))).squeeze(2) + (mask - 1) * 1e9
        e = torch.exp(scores - scores.max(dim=1, keepdim=True).values) * mask
        alpha = (e / e.sum(dim=1, keepdim=True)).unsqueeze(2)
        mean = (h * alpha).sum(1)
        centred = h - mean.unsqueeze(1)
        std = torch.sqrt((centred * centred * alpha).sum(1) + 1e-6)
        return self.cls(torch.cat([mean, std], dim=1))


def utterances(n, seed):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(160, 200, (n,), generator=g).tolist()
    return [torch.randn(t, BINS, generator=g) for t in lengths], torch.arange(n) % CLASSES


def spec_augment(x, n, g):
    """SpecAugment's masks on one standardised utterance [n, bins] in place (as SpecAugment.apply)."""
    for _ in range(2):
        w = min(int(torch.randint(0, 11, (1,), generator=g)), n)
        s = int(torch.randint(0, n - w + 1, (1,), generator=g))
        x[s:s + w] = 0
    for _ in range(2):
        w = int(torch.randint(0, 9, (1,), generator=g))
        s = int(torch.randint(0, BINS - w + 1, (1,), generator=g))
        x[:, s:s + w] = 0


def batch(frames, mean, std, g=None):
    longest = max(f.shape[0] for f in frames)
    x = torch.zeros(len(frames), longest, BINS)
    mask = torch.zeros(len(frames), longest)
    for b, f in enumerate(frames):
        n = f.shape[0]
        x[b, :n] = (f - mean) / std
        if g is not None:
            spec_augment(x[b, :n], n, g)
        mask[b, :n] = 1
    return x, mask


def optimiser(net, total_steps):
    opt = torch.optim.AdamW(net.parameters(), lr=0.002, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)
    warmup = max(1, round(0.05 * total_steps))

    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return 0.5 * (1 + math.cos(math.pi * progress))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, factor)


def train_step(net, opt, sched, frames, y, mean, std, g):
    x, mask = batch(frames, mean, std, g)
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(net(x, mask), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
    opt.step()
    sched.step()
    return loss.item()


def logits(net, frames, mean, std):
    order = sorted(range(len(frames)), key=lambda i: frames[i].shape[0])
    out = [None] * len(frames)
    with torch.no_grad():
        for start in range(0, len(order), BATCH):
            idx = order[start:start + BATCH]
            z = net(*batch([frames[i] for i in idx], mean, std))
            for j, i in enumerate(idx):
                out[i] = z[j]
    return torch.stack(out)


def stats(frames):
    allf = torch.cat(frames)
    return allf.mean(0), allf.std(0, unbiased=False).clamp_min(1e-3)


def step_seconds(channels, layer_norm, attention_dim, warmups, runs):
    frames, y = utterances(BATCH, 1)
    mean, std = stats(frames)
    torch.manual_seed(3)
    net = Tdnn(channels, layer_norm, attention_dim)
    opt, sched = optimiser(net, warmups + runs)
    g = torch.Generator().manual_seed(1)
    for s in range(warmups + runs):
        if s == warmups:
            wall, cpu = time.perf_counter(), time.process_time()
        train_step(net, opt, sched, frames, y, mean, std, g)
    return (time.perf_counter() - wall) / runs, (time.process_time() - cpu) / runs


def epoch_seconds(channels, layer_norm, attention_dim, epochs):
    """TrainingLoop's epochs over 384 training and 96 dev utterances: per epoch (wall, cpu)."""
    frames, y = utterances(384, 1)
    dev, dy = utterances(96, 2)
    mean, std = stats(frames)
    torch.manual_seed(3)
    net = Tdnn(channels, layer_norm, attention_dim)
    opt, sched = optimiser(net, 12 * epochs)
    out = []
    for epoch in range(1, epochs + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        g = torch.Generator().manual_seed(1_000_003 + epoch)
        order = torch.randperm(len(frames), generator=torch.Generator().manual_seed(42 * 1_000_003 + epoch)).tolist()
        net.train()
        for start in range(0, len(order), BATCH):
            idx = order[start:start + BATCH]
            train_step(net, opt, sched, [frames[i] for i in idx], y[idx], mean, std, g)
        net.eval()
        z = logits(net, dev, mean, std)
        pred = z.argmax(1)
        sum((pred[dy == c] == c).float().mean().item() for c in range(CLASSES)) / CLASSES
        F.cross_entropy(z, dy).item()
        out.append((time.perf_counter() - wall, time.process_time() - cpu))
    return out


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def main():
    a = sys.argv[1:]
    threads = int(a[0]) if len(a) > 0 else 1
    channels = [int(c) for c in (a[1] if len(a) > 1 else "64,64,64").split(",")]
    warmups = int(a[2]) if len(a) > 2 else 15
    runs = int(a[3]) if len(a) > 3 else 10
    epochs = int(a[4]) if len(a) > 4 else 2
    layer_norm = (a[5] if len(a) > 5 else "true").lower() == "true"
    attention_dim = int(a[6]) if len(a) > 6 else channels[-1] // 2
    torch.set_num_threads(threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, LD_LIBRARY_PATH="
          f"{os.environ.get('LD_LIBRARY_PATH')}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, "
          f"load average {open('/proc/loadavg').read().strip()}")
    step = step_seconds(channels, layer_norm, attention_dim, warmups, runs)
    rec = epoch_seconds(channels, layer_norm, attention_dim, epochs)
    later = rec[1:] if len(rec) > 1 else rec
    print(f"torch tdnn: step mean {1e3 * step[0]:.1f} ms wall, {1e3 * step[1]:.1f} ms cpu; epoch median "
          f"{1e3 * median([r[0] for r in later]):.1f} ms wall, {1e3 * median([r[1] for r in later]):.1f} ms cpu; "
          f"first epoch {1e3 * rec[0][0]:.1f} ms wall, {1e3 * rec[0][1]:.1f} ms cpu; channels {channels}, "
          f"attention {attention_dim}, layer norm {layer_norm}, {runs} steps after {warmups}, {epochs} epochs")


if __name__ == "__main__":
    main()
