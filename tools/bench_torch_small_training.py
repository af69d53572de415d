#!/usr/bin/python3
"""Training time of the pooled models in PyTorch, for comparison with io.serdistill.train.SmallModelTrainingBench
(same architectures, batch, data sizes, optimiser, schedule and loss; same thread count):

    /usr/bin/python3 tools/bench_torch_small_training.py [threads=1] [reps=5]

Give Debian's torch the OpenBLAS ND4J uses (see tools/bench_torchaudio_wav2vec2.py), e.g.
    mkdir -p /tmp/w2v-blas && ln -sf ~/.javacpp/cache/openblas-0.3.19-1.5.7-linux-x86_64.jar/org/bytedeco/openblas/linux-x86_64/libopenblas.so.0 /tmp/w2v-blas/libblas.so.3
    LD_LIBRARY_PATH=/tmp/w2v-blas OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 tools/bench_torch_small_training.py 1 5

Models (as the Java bench): teacher 160 -> 256 -> 128 -> 4 (ReLU), labels only, 128 training and 32 dev utterances;
linear 160 -> 4, labels only, 128 / 32; student 160 -> 128 -> 4, distillation from 3 teachers (uniform mix of their
softmax(logits / T)), alpha 0.25, T 5, batchmean KL, 384 / 96. All: batch 32, AdamW(lr 0.002, betas 0.9/0.999,
eps 1e-8, weight_decay 1e-4 on weight matrices only), clip_grad_norm_(5), linear warm-up over 5 % of the steps then
cosine decay, inputs standardised with the training statistics. Reported:
  step    one optimiser step on a fixed batch (zero_grad, forward, loss, backward, clip, AdamW step, schedule step);
          mean of 500 after 200 warm-up, median over reps
  epoch   one epoch as TrainingLoop runs it: a seeded shuffle, every mini-batch's step, then the dev pass (logits,
          unweighted recall, dev loss); median of the epochs after the first of a 12-epoch run, median over reps
  teacher the demo teacher as MlpTrainer trains it: 60 epochs with early stopping after 15 without a dev-UA gain,
          the best epoch's weights kept (copied) and restored at the end
  lbfgs teacher
          the demo teacher as the default optimiser trains it (FullBatchLbfgs): full-batch torch.optim.LBFGS
          (history 10, strong-Wolfe line search, lr 1) on the mean cross-entropy plus (0.01 / 2) ||W||^2 on the
          weight matrices, at most 500 iterations, the dev split scored after every iteration; its tolerances are
          torch's defaults, so it may stop sooner than the Java run: compare the time per iteration
Both wall time and the process's CPU time are printed: on a shared, loaded machine the CPU time of a one-thread
run is the steadier figure (the Java bench prints its training thread's).
"""
import copy
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

DIM = 160
CLASSES = 4
BATCH = 32


def data(n, seed):
    g = torch.Generator().manual_seed(7)
    mu = 0.3 * torch.randn(CLASSES, DIM, generator=g)
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % CLASSES
    x = 10 + 3 * (mu[y] + torch.randn(n, DIM, generator=g))
    teachers = torch.randn(n, 3, CLASSES, generator=g) + 2 * F.one_hot(y, CLASSES).unsqueeze(1).float()
    return x, y, teachers


def model(hidden):
    layers, width = [], DIM
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    layers.append(torch.nn.Linear(width, CLASSES))
    return torch.nn.Sequential(*layers)


def optimiser(net, total_steps):
    decayed = [p for n, p in net.named_parameters() if n.endswith("weight")]
    others = [p for n, p in net.named_parameters() if not n.endswith("weight")]
    opt = torch.optim.AdamW([{"params": decayed, "weight_decay": 1e-4}, {"params": others, "weight_decay": 0.0}],
                            lr=0.002, betas=(0.9, 0.999), eps=1e-8)
    warmup = round(0.05 * total_steps)

    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return 0.5 * (1 + math.cos(math.pi * progress))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, factor)


def soft_targets(teachers, temperature):
    return torch.softmax(teachers / temperature, dim=-1).mean(dim=1)


def loss_fn(logits, y, soft, alpha, temperature):
    ce = F.cross_entropy(logits, y)
    if soft is None:
        return ce
    kl = F.kl_div(F.log_softmax(logits / temperature, dim=1), soft, reduction="batchmean")
    return alpha * ce + (1 - alpha) * temperature * temperature * kl


def train_step(net, opt, sched, x, y, soft, alpha, temperature):
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(net(x), y, soft, alpha, temperature)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
    opt.step()
    sched.step()
    return loss.item()


def unweighted_recall(pred, y):
    recalls = [(pred[y == c] == c).float().mean().item() for c in range(CLASSES) if (y == c).any()]
    return sum(recalls) / len(recalls)


class Spec:
    def __init__(self, name, hidden, n, distils):
        self.name, self.hidden, self.n, self.distils = name, hidden, n, distils
        self.alpha, self.temperature = (0.25, 5.0) if distils else (1.0, 1.0)


SPECS = [Spec("teacher", [256, 128], 128, False), Spec("linear", [], 128, False), Spec("student", [128], 384, True)]


def prepared(spec, dev_n):
    x, y, t = data(spec.n, 1)
    dx, dy, dt = data(dev_n, 2)
    mean, std = x.mean(0), x.std(0, unbiased=False).clamp_min(1e-3)
    soft = soft_targets(t, spec.temperature) if spec.distils else None
    dsoft = soft_targets(dt, spec.temperature) if spec.distils else None
    return (x - mean) / std, y, soft, (dx - mean) / std, dy, dsoft


def step_seconds(spec, warmup=200, timed=500):
    x, y, soft, _, _, _ = prepared(spec, 32)
    torch.manual_seed(3)
    net = model(spec.hidden)
    opt, sched = optimiser(net, warmup + timed)
    xb, yb, sb = x[:BATCH], y[:BATCH], None if soft is None else soft[:BATCH]
    for s in range(warmup + timed):
        if s == warmup:
            wall, cpu = time.perf_counter(), time.process_time()
        train_step(net, opt, sched, xb, yb, sb, spec.alpha, spec.temperature)
    return (time.perf_counter() - wall) / timed, (time.process_time() - cpu) / timed


def run(spec, epochs, patience, dev_n, record=None):
    """TrainingLoop's run: returns the epochs run."""
    x, y, soft, dx, dy, dsoft = prepared(spec, dev_n)
    torch.manual_seed(3)
    net = model(spec.hidden)
    steps_per_epoch = (spec.n + BATCH - 1) // BATCH
    opt, sched = optimiser(net, steps_per_epoch * epochs)
    best_ua, best, since = -1.0, None, 0
    ran = 0
    for epoch in range(1, epochs + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        g = torch.Generator().manual_seed(42 * 1_000_003 + epoch)
        order = torch.randperm(spec.n, generator=g)
        net.train()
        for start in range(0, spec.n, BATCH):
            idx = order[start:start + BATCH]
            train_step(net, opt, sched, x[idx], y[idx], None if soft is None else soft[idx], spec.alpha,
                       spec.temperature)
        net.eval()
        with torch.no_grad():
            logits = net(dx)
            ua = unweighted_recall(logits.argmax(1), dy)
            loss_fn(logits, dy, dsoft, spec.alpha, spec.temperature).item()
        ran = epoch
        if ua > best_ua:
            best_ua, best, since = ua, copy.deepcopy(net.state_dict()), 0
        else:
            since += 1
        if record is not None:
            record.append((time.perf_counter() - wall, time.process_time() - cpu))
        if patience > 0 and since >= patience:
            break
    net.load_state_dict(best)
    return ran


def lbfgs_teacher(spec, l2=0.01, iterations=500):
    """FullBatchLbfgs's run of the teacher: returns (iterations, function evaluations)."""
    x, y, _, dx, dy, _ = prepared(spec, 32)
    torch.manual_seed(3)
    net = model(spec.hidden)
    decayed = [p for n, p in net.named_parameters() if n.endswith("weight")]
    opt = torch.optim.LBFGS(net.parameters(), lr=1, max_iter=iterations, history_size=10,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y) + 0.5 * l2 * sum((p * p).sum() for p in decayed)
        loss.backward()
        return loss

    scored = [0]

    def score_dev(*_):
        with torch.no_grad():
            unweighted_recall(net(dx).argmax(1), dy)
        scored[0] += 1

    # torch's LBFGS has no per-iteration hook: score the dev split once per iteration, after the run, at the
    # final weights (the same work as the Java run's per-iteration dev scoring).
    opt.step(closure)
    state = opt.state[opt._params[0]]
    for _ in range(state["n_iter"]):
        score_dev()
    return state["n_iter"], state["func_evals"]


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def load():
    return open("/proc/loadavg").read().strip()


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    torch.set_num_threads(threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"LD_LIBRARY_PATH={os.environ.get('LD_LIBRARY_PATH')}, load average {load()}")
    cold_wall, cold_cpu = time.perf_counter(), time.process_time()
    run(SPECS[0], 60, 15, 32)
    cold = (time.perf_counter() - cold_wall, time.process_time() - cold_cpu)
    for spec in SPECS:
        steps, epochs = [], []
        for _ in range(reps):
            steps.append(step_seconds(spec))
            rec = []
            run(spec, 12, 0, 32 * spec.n // 128, rec)
            epochs.append((median([r[0] for r in rec[1:]]), median([r[1] for r in rec[1:]])))
        print(f"torch {spec.name}: step median {1e3 * median([s[0] for s in steps]):.3f} ms wall, "
              f"{1e3 * median([s[1] for s in steps]):.3f} ms cpu; epoch median {1e3 * median([e[0] for e in epochs]):.2f}"
              f" ms wall, {1e3 * median([e[1] for e in epochs]):.2f} ms cpu; {reps} reps")
    teacher, ran = [], 0
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.process_time()
        ran = run(SPECS[0], 60, 15, 32)
        teacher.append((time.perf_counter() - wall, time.process_time() - cpu))
    print(f"torch demo teacher ({ran} epochs run): first {cold[0]:.2f} s wall ({cold[1]:.2f} s cpu), then median "
          f"{median([t[0] for t in teacher]):.3f} s wall, {median([t[1] for t in teacher]):.3f} s cpu")
    lb, its, evals = [], 0, 0
    cold_wall, cold_cpu = time.perf_counter(), time.process_time()
    lbfgs_teacher(SPECS[0])
    lb_cold = (time.perf_counter() - cold_wall, time.process_time() - cold_cpu)
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.process_time()
        its, evals = lbfgs_teacher(SPECS[0])
        lb.append((time.perf_counter() - wall, time.process_time() - cpu))
    cpu = median([t[1] for t in lb])
    print(f"torch lbfgs-teacher: {its} iterations, {evals} evaluations; first {lb_cold[0]:.2f} s wall "
          f"({lb_cold[1]:.2f} s cpu), then median {median([t[0] for t in lb]):.3f} s wall, {cpu:.3f} s cpu; "
          f"{1e3 * cpu / its:.3f} ms cpu per iteration")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
