#!/usr/bin/python3
"""Writes the pooled-MLP gradient parity fixture, pipeline-core/src/test/resources/fixtures/mlp/gradients.json:
tiny MlpClassifier-shaped models, one fixed batch each, and what PyTorch's autograd computes for the project's
training loss on it, for MlpGradientParityTest (every training engine is held to it).

Run with Debian's python (apt-get install python3-torch), not a virtualenv:
    /usr/bin/python3 tools/make_mlp_gradient_fixtures.py

Each case: a ClassifierSpec (input width, hidden widths, 4 classes), the input standardisation (mean, std), the
weights (w{i} [fan_in, fan_out] as the Java model stores them: logits = x W + b; b{i} [fan_out]), a batch of raw
inputs with labels, soft targets and class weights, the loss's settings, and:
  loss       the loss of the batch
  gradients  d loss / d every parameter, keyed as MlpClassifier.parameterNames()
  steps      the parameters after each of STEPS torch.optim.AdamW steps on the same batch (lr, betas 0.9/0.999,
             eps 1e-8, weight decay on the weight matrices only, clip_grad_norm_ before each step), the optimiser
             io.serdistill.train.AdamW implements
The loss is the one DistillationLossGraph defines, written out here (torch's cross_entropy weighs label
smoothing's uniform part by every class's weight; the project weighs an example's whole term by its own class's):
  alpha * CE + (1 - alpha) * T^2 * f * KL, CE = -sum_i w_{y_i} t_i . log softmax(z_i) / sum_i w_{y_i} with
  t_i = (1 - eps) onehot(y_i) + eps / C, KL = mean_i q_i . (log(q_i + 1e-12) - log softmax(z_i / T)),
  f = 1 (batchmean) or 1 / C (mean); CE alone when alpha = 1.
Inputs are standardised as the Java model does, (x - mean) / std in float32; everything after that runs in
float64 so the reference is exact to far below the tests' tolerance. All values written are float32-representable
(inputs, weights, targets) or float64 (results).
"""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                   "pipeline-core", "src", "test", "resources", "fixtures", "mlp", "gradients.json")
CLASSES = 4
BATCH = 6
STEPS = 3

CASES = [
    # name, input width, hidden, alpha, T, kl-reduction, label smoothing, class weights, lr, weight decay, clip
    # (weight decays large enough that decaying a bias, or not decaying a weight, moves it past the tests' tolerance)
    ("linear-labels", 6, [], 1.0, 1.0, "batchmean", 0.0, False, 0.01, 0.01, 0.0),
    ("linear-kd-smoothing", 6, [], 0.4, 2.0, "batchmean", 0.1, True, 0.01, 0.3, 1.0),
    ("mlp-kd-smoothing", 6, [8], 0.3, 2.0, "batchmean", 0.1, False, 0.01, 0.5, 0.0),
    ("mlp2-kd-mean-weighted", 6, [8, 5], 0.6, 3.0, "mean", 0.05, True, 0.005, 0.01, 0.5),
]


def f32(t):
    return t.float().double()


def case(seed, name, dim, hidden, alpha, temperature, reduction, smoothing, weighted, lr, weight_decay, clip):
    g = torch.Generator().manual_seed(seed)
    widths = [dim] + hidden + [CLASSES]
    mean = f32(torch.randn(dim, generator=g))
    std = f32(0.5 + torch.rand(dim, generator=g))
    x = f32(mean + std * 1.5 * torch.randn(BATCH, dim, generator=g))
    y = torch.tensor([0, 1, 2, 3, 1, 2])
    q = torch.softmax(torch.randn(BATCH, CLASSES, generator=g), dim=1)
    q = f32(q / q.sum(1, keepdim=True))
    cw = f32(torch.tensor([1.0, 2.0, 0.5, 1.5])) if weighted else torch.ones(CLASSES, dtype=torch.float64)
    params = {}
    for i in range(len(widths) - 1):
        params[f"w{i}"] = f32(torch.randn(widths[i], widths[i + 1], generator=g) * (2.0 / widths[i]) ** 0.5)
        params[f"b{i}"] = f32(0.1 * torch.randn(widths[i + 1], generator=g))
    names = [k for i in range(len(widths) - 1) for k in (f"w{i}", f"b{i}")]
    xs = ((x.float() - mean.float()) / std.float()).double()
    factor = 1.0 if reduction == "batchmean" else 1.0 / CLASSES

    def loss_of(p):
        h = xs
        for i in range(len(widths) - 1):
            h = h @ p[f"w{i}"] + p[f"b{i}"]
            if i < len(widths) - 2:
                h = torch.relu(h)
        logp = torch.log_softmax(h, dim=1)
        onehot = torch.nn.functional.one_hot(y, CLASSES).double()
        t = (1 - smoothing) * onehot + smoothing / CLASSES
        w = cw[y]
        ce = -(w * (t * logp).sum(1)).sum() / w.sum()
        if alpha >= 1:
            return ce
        kl = (q * (torch.log(q + 1e-12) - torch.log_softmax(h / temperature, dim=1))).sum(1).mean()
        return alpha * ce + (1 - alpha) * temperature ** 2 * factor * kl

    live = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    loss = loss_of(live)
    loss.backward()
    gradients = {k: live[k].grad.tolist() for k in names}

    opt_params = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    opt = torch.optim.AdamW([
        {"params": [opt_params[k] for k in names if k.startswith("w")], "weight_decay": weight_decay},
        {"params": [opt_params[k] for k in names if k.startswith("b")], "weight_decay": 0.0}],
        lr=lr, betas=(0.9, 0.999), eps=1e-8)
    steps = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss_of(opt_params).backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_([opt_params[k] for k in names], clip)
        opt.step()
        steps.append({k: opt_params[k].detach().tolist() for k in names})

    return {
        "name": name, "input_dim": dim, "hidden": hidden, "classes": CLASSES,
        "alpha": alpha, "temperature": temperature, "kl_reduction": reduction, "label_smoothing": smoothing,
        "class_weights": cw.tolist() if weighted else None,
        "lr": lr, "weight_decay": weight_decay, "clip_norm": clip,
        "input_mean": mean.tolist(), "input_std": std.tolist(),
        "x": x.tolist(), "labels": y.tolist(), "targets": q.tolist() if alpha < 1 else None,
        "weights": {k: params[k].tolist() for k in names},
        "loss": loss.item(), "gradients": gradients, "steps": steps,
    }


def main():
    torch.set_default_dtype(torch.float64)
    cases = [case(100 + i, *c) for i, c in enumerate(CASES)]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"generator": "tools/make_mlp_gradient_fixtures.py", "torch": torch.__version__, "cases": cases},
                  f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
