#!/usr/bin/python3
"""Writes the wav2vec2 fine-tuning gradient parity fixtures, pipeline-core/src/test/resources/fixtures/wav2vec2/
gradients.<case>.safetensors: for the tiny fixture models of tools/make_wav2vec2_fixtures.py (read back from their
committed model.safetensors), a fixed padded batch of CNN frames, a head, the project's training loss, and what
PyTorch's autograd computes for every trainable parameter of Wav2Vec2FineTuneModel, for
Wav2Vec2FineTuneGradientParityTest (every training engine is held to it).

Run with Debian's python (apt-get install python3-torchaudio), not a virtualenv, after make_wav2vec2_fixtures.py:
    /usr/bin/python3 tools/make_wav2vec2_gradient_fixtures.py

The graph is torchaudio's own encoder modules from the CNN frames on (feature projection, positional conv with weight
norm, transformer with its padding mask; dropout off) in float64, then the head Wav2Vec2FineTuneModel builds:
  states    the num_layers + 1 hidden states of Hugging Face's output_hidden_states (as make_wav2vec2_fixtures.py)
  x         sum_l softmax(layer_logits)_l states_l with layer weighting, else the last state
  pooled    mean of x over each utterance's real frames
  logits    (pooled proj_w + proj_b) cls_w + cls_b       (proj_w [H, P], cls_w [P, C]: x W layout)
  loss      alpha CE + (1 - alpha) T^2 f KL as in DistillationLossGraph (and tools/make_mlp_gradient_fixtures.py)

Tensors per file (float32; the reference is computed in float64):
  input.frames [B, T, conv_dim]   zero-padded CNN frames (random: the CNN is frozen, its output is just an input)
  head.<name>                     the head's weights, Wav2Vec2Head names
  grad.<name>                     d loss / d parameter, Wav2Vec2FineTuneModel.parameters() names (Hugging Face
                                  names without prefix, positional conv as weight_g / weight_v; the head's bare)
Metadata: variant, lengths (real frames), labels, targets (row-major B x C), class_weights, alpha, temperature,
kl_reduction, label_smoothing, layer_weighting, projector_dim, loss (float64 repr), torch / torchaudio versions.
"""
import importlib.util
import json
import os
import struct

import numpy as np
import torch
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "pipeline-core", "src", "test", "resources", "fixtures", "wav2vec2")
CLASSES = 4
PROJECTOR = 16
LENGTHS = [22, 15, 7]

# name, variant, layer weighting, alpha, T, kl reduction, label smoothing, class weights
CASES = [
    ("base-all-layers", "base", True, 0.6, 2.0, "batchmean", 0.1, [1.0, 2.0, 0.5, 1.5]),
    ("stable-last-layer", "stable", False, 0.3, 3.0, "mean", 0.05, [0.5, 1.0, 1.5, 2.0]),
]


def fixtures_module():
    spec = importlib.util.spec_from_file_location("make_wav2vec2_fixtures", os.path.join(HERE, "make_wav2vec2_fixtures.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(h["shape"]).copy())
    return out


def write_safetensors(path, tensors, metadata):
    header = {}
    offset = 0
    blobs = []
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    header["__metadata__"] = metadata
    js = json.dumps(header).encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


def java_name(ta_name):
    """torchaudio parameter name -> Wav2Vec2FineTuneModel parameter name."""
    n = ta_name
    if n.startswith("encoder.feature_projection."):
        return n[len("encoder."):]
    if n.startswith("encoder.transformer."):
        return "encoder." + n[len("encoder.transformer."):]
    return n


def f32(t):
    return t.float().double()


def case(index, name, variant, weighting, alpha, temperature, reduction, smoothing, class_weights, fx):
    v = fx.VARIANTS[variant]
    model = fx.build(v)
    stored = read_safetensors(os.path.join(FIXTURES, variant, "model.safetensors"))
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(stored[fx.hf_name(n, v)])
    model = model.double().eval()
    g = torch.Generator().manual_seed(7000 + index)
    b, t = len(LENGTHS), max(LENGTHS)
    frames = f32(torch.randn(b, t, fx.CONV_DIM, generator=g))
    for i, n in enumerate(LENGTHS):
        frames[i, n:] = 0
    lengths = torch.tensor(LENGTHS)
    layers = fx.LAYERS + 1 if weighting else 1
    head = {}
    if weighting:
        head["layer_logits"] = f32(0.5 * torch.randn(layers, generator=g))
    head["proj_w"] = f32(0.3 * torch.randn(fx.HIDDEN, PROJECTOR, generator=g))
    head["proj_b"] = f32(0.1 * torch.randn(PROJECTOR, generator=g))
    head["cls_w"] = f32(0.3 * torch.randn(PROJECTOR, CLASSES, generator=g))
    head["cls_b"] = f32(0.1 * torch.randn(CLASSES, generator=g))
    labels = torch.tensor([2, 0, 3])
    q = torch.softmax(torch.randn(b, CLASSES, generator=g), dim=1)
    q = f32(q / q.sum(1, keepdim=True))
    cw = f32(torch.tensor(class_weights))
    for p in head.values():
        p.requires_grad_(True)

    x, mask = model.encoder._preprocess(frames, lengths)
    tr = model.encoder.transformer
    states = [tr._preprocess(x)] + list(tr.get_intermediate_outputs(x, attention_mask=mask))
    if v["layer_norm_first"]:
        states[-1] = tr.layer_norm(states[-1])
    if weighting:
        w = torch.softmax(head["layer_logits"], dim=0)
        h = sum(w[i] * s for i, s in enumerate(states))
    else:
        h = states[-1]
    real = (torch.arange(t)[None, :] < lengths[:, None]).double()
    pooled = (h * real[:, :, None]).sum(1) / real.sum(1, keepdim=True)
    z = (pooled @ head["proj_w"] + head["proj_b"]) @ head["cls_w"] + head["cls_b"]
    logp = torch.log_softmax(z, dim=1)
    onehot = torch.nn.functional.one_hot(labels, CLASSES).double()
    target = (1 - smoothing) * onehot + smoothing / CLASSES
    ew = cw[labels]
    ce = -(ew * (target * logp).sum(1)).sum() / ew.sum()
    factor = 1.0 if reduction == "batchmean" else 1.0 / CLASSES
    kl = (q * (torch.log(q + 1e-12) - torch.log_softmax(z / temperature, dim=1))).sum(1).mean()
    loss = alpha * ce + (1 - alpha) * temperature ** 2 * factor * kl
    loss.backward()

    tensors = {"input.frames": frames}
    for k, p in head.items():
        tensors["head." + k] = p.detach()
    for n, p in model.named_parameters():
        if n.startswith("encoder."):
            tensors["grad." + java_name(n)] = p.grad
    for k, p in head.items():
        tensors["grad." + k] = p.grad
    meta = {
        "generator": "tools/make_wav2vec2_gradient_fixtures.py", "torch": torch.__version__,
        "torchaudio": torchaudio.__version__, "variant": variant,
        "lengths": ",".join(map(str, LENGTHS)), "labels": ",".join(map(str, labels.tolist())),
        "targets": ",".join(repr(float(x)) for x in q.flatten().tolist()),
        "class_weights": ",".join(repr(float(x)) for x in cw.tolist()),
        "alpha": repr(alpha), "temperature": repr(temperature), "kl_reduction": reduction,
        "label_smoothing": repr(smoothing), "layer_weighting": str(weighting).lower(),
        "projector_dim": str(PROJECTOR), "loss": repr(loss.item()),
    }
    path = os.path.join(FIXTURES, f"gradients.{name}.safetensors")
    write_safetensors(path, tensors, meta)
    print(f"{name}: loss {loss.item():.6f}, {sum(1 for k in tensors if k.startswith('grad.'))} gradients -> "
          f"{os.path.normpath(path)}")


def main():
    fx = fixtures_module()
    torch.manual_seed(0)
    for i, c in enumerate(CASES):
        case(i, *c, fx)


if __name__ == "__main__":
    main()
