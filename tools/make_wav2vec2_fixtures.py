#!/usr/bin/python3
"""Writes the wav2vec 2.0 parity fixtures: two tiny random wav2vec2 models built with torchaudio, saved as a
Hugging Face style model directory (config.json + model.safetensors), a deterministic input waveform, a padded
2-utterance batch, and the reference hidden states, in pipeline-core/src/test/resources/fixtures/wav2vec2/.

Run with Debian's python (apt-get install python3-torchaudio), not a virtualenv:
    /usr/bin/python3 tools/make_wav2vec2_fixtures.py

Variants (one sub-directory each):
  base    extractor "group_norm" (HF feat_extract_norm="group"), conv_bias False, post-LN transformer
          (HF do_stable_layer_norm=False). Tensors named without prefix, pos conv as weight_g / weight_v.
  stable  extractor "layer_norm" (HF feat_extract_norm="layer"), conv_bias True, pre-LN transformer
          (HF do_stable_layer_norm=True). Tensors named with the "wav2vec2." prefix (as in
          Wav2Vec2ForSequenceClassification), pos conv as parametrizations.weight.original0 / original1 (newer HF).

Every parameter is perturbed with random noise after construction (layer-norm gains and all biases too), so
that a wrongly mapped or ignored parameter shows up in the outputs.

Hidden states follow Hugging Face's output_hidden_states convention (num_hidden_layers + 1 tensors):
  hidden.0  input of layer 0: x + pos_conv(x), then the encoder LayerNorm for base (post-LN); no LN for stable.
            = torchaudio encoder.transformer._preprocess(feature_projection(features)) (dropout is identity).
  hidden.i  output of layer i-1 (i = 1 .. L) = torchaudio model.extract_features(...)[0][i-1],
            except for stable the last one, hidden.L, which HF takes after the final encoder LayerNorm:
            = encoder.transformer.layer_norm(extract_features(...)[0][L-1]).
  features  the conv feature encoder output (before feature projection), frames x conv_dim[-1].

Files per variant:
  config.json, model.safetensors        the model, HF names (F32, written by hand: no safetensors package)
  hidden.<i>.f32                        single utterance, frames x hidden, row-major little-endian float32
  features.f32                          single utterance conv features, frames x conv_dim
  batch.hidden.<i>.f32                  padded batch, 2 x frames x hidden (padded frames included as computed)
Shared:
  input.f32                             the single waveform, 8000 samples (0.5 s at 16 kHz)
  batch.f32                             2 x 8000 samples; utterance 1 is zero after its length
  fixtures.properties                   versions, lengths, frame counts
"""
import json
import os
import struct

import numpy as np
import torch
import torchaudio
from torchaudio.models import wav2vec2_model

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                   "pipeline-core", "src", "test", "resources", "fixtures", "wav2vec2")
RATE = 16000
SEED = 20240612
CONV_DIM = 32
HIDDEN = 32
LAYERS = 2
HEADS = 2
FFN = 64
POS_KERNEL = 16
POS_GROUPS = 4
KERNELS = [10, 3, 3, 3, 3, 2, 2]
STRIDES = [5, 2, 2, 2, 2, 2, 2]
BATCH_LENGTHS = [8000, 5600]

VARIANTS = {
    "base": dict(extractor_mode="group_norm", conv_bias=False, layer_norm_first=False, prefix="",
                 pos_names=("weight_g", "weight_v")),
    "stable": dict(extractor_mode="layer_norm", conv_bias=True, layer_norm_first=True, prefix="wav2vec2.",
                   pos_names=("parametrizations.weight.original0", "parametrizations.weight.original1")),
}


def build(v):
    model = wav2vec2_model(
        extractor_mode=v["extractor_mode"],
        extractor_conv_layer_config=[(CONV_DIM, k, s) for k, s in zip(KERNELS, STRIDES)],
        extractor_conv_bias=v["conv_bias"],
        encoder_embed_dim=HIDDEN,
        encoder_projection_dropout=0.0,
        encoder_pos_conv_kernel=POS_KERNEL,
        encoder_pos_conv_groups=POS_GROUPS,
        encoder_num_layers=LAYERS,
        encoder_num_heads=HEADS,
        encoder_attention_dropout=0.0,
        encoder_ff_interm_features=FFN,
        encoder_ff_interm_dropout=0.0,
        encoder_dropout=0.0,
        encoder_layer_norm_first=v["layer_norm_first"],
        encoder_layer_drop=0.0,
        aux_num_out=None,
    )
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight_g"):
                p.mul_(1 + 0.2 * torch.rand_like(p))
            elif p.ndim == 1 and ("norm" in name):
                p.add_(0.2 * torch.randn_like(p) if name.endswith("bias") else 0.3 * torch.randn_like(p))
            elif p.ndim == 1:
                p.add_(0.1 * torch.randn_like(p))
            else:
                p.add_(0.02 * torch.randn_like(p))
    return model.eval()


def hf_name(ta_name, v):
    """torchaudio parameter name -> Hugging Face Wav2Vec2Model name."""
    n = ta_name
    if n.startswith("encoder.feature_projection."):
        n = n[len("encoder."):]
    elif n.startswith("encoder.transformer."):
        n = "encoder." + n[len("encoder.transformer."):]
    if n.startswith("encoder.pos_conv_embed.conv.weight_g"):
        n = "encoder.pos_conv_embed.conv." + v["pos_names"][0]
    elif n.startswith("encoder.pos_conv_embed.conv.weight_v"):
        n = "encoder.pos_conv_embed.conv." + v["pos_names"][1]
    return v["prefix"] + n


def write_safetensors(path, tensors):
    header = {}
    offset = 0
    blobs = []
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    header["__metadata__"] = {"format": "pt", "source": "tools/make_wav2vec2_fixtures.py"}
    js = json.dumps(header).encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


def hf_config(v):
    return {
        "architectures": ["Wav2Vec2Model"],
        "model_type": "wav2vec2",
        "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "intermediate_size": FFN,
        "hidden_act": "gelu",
        "feat_extract_activation": "gelu",
        "conv_dim": [CONV_DIM] * 7,
        "conv_kernel": KERNELS,
        "conv_stride": STRIDES,
        "conv_bias": v["conv_bias"],
        "feat_extract_norm": "group" if v["extractor_mode"] == "group_norm" else "layer",
        "do_stable_layer_norm": v["layer_norm_first"],
        "num_conv_pos_embeddings": POS_KERNEL,
        "num_conv_pos_embedding_groups": POS_GROUPS,
        "layer_norm_eps": 1e-5,
    }


def hidden_states(model, wave, lengths, stable):
    """HF output_hidden_states from torchaudio internals (see the module docstring)."""
    feats, out_lengths = model.feature_extractor(wave, lengths)
    x, mask = model.encoder._preprocess(feats, out_lengths)
    tr = model.encoder.transformer
    first = tr._preprocess(x)
    layers = tr.get_intermediate_outputs(x, attention_mask=mask)
    # Cross-check against the public API.
    public, _ = model.extract_features(wave, lengths)
    for a, b in zip(layers, public):
        assert torch.equal(a, b)
    states = [first] + list(layers)
    if stable:
        states[-1] = tr.layer_norm(states[-1])
        assert torch.allclose(states[-1], model.encoder(feats, out_lengths), atol=1e-6)
    else:
        assert torch.allclose(states[-1], model.encoder(feats, out_lengths), atol=1e-6)
    return feats, states, out_lengths


def waveforms(rng):
    t = np.arange(8000) / RATE
    f0 = 150 + 40 * np.sin(2 * np.pi * 2.0 * t)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    voiced = sum(np.sin(k * phase) / k for k in range(1, 15))
    single = 0.2 * voiced * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t)) + 0.01 * rng.standard_normal(t.size)
    other = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(t.size)
    batch = np.stack([single, other])
    batch[1, BATCH_LENGTHS[1]:] = 0.0
    return single.astype(np.float32), batch.astype(np.float32)


def save(path, t):
    np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4")).tofile(path)


def main():
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    os.makedirs(OUT, exist_ok=True)
    single, batch = waveforms(rng)
    single.astype("<f4").tofile(os.path.join(OUT, "input.f32"))
    batch.astype("<f4").tofile(os.path.join(OUT, "batch.f32"))
    props = [f"torch={torch.__version__}", f"torchaudio={torchaudio.__version__}", f"seed={SEED}",
             f"input.samples={single.size}", f"batch.lengths={','.join(map(str, BATCH_LENGTHS))}"]
    for name, v in VARIANTS.items():
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        model = build(v)
        write_safetensors(os.path.join(d, "model.safetensors"),
                          {hf_name(n, v): p for n, p in model.state_dict().items()})
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(hf_config(v), f, indent=2)
        with torch.no_grad():
            feats, states, _ = hidden_states(model, torch.from_numpy(single)[None], None, v["layer_norm_first"])
            save(os.path.join(d, "features.f32"), feats[0])
            for i, s in enumerate(states):
                save(os.path.join(d, f"hidden.{i}.f32"), s[0])
            _, bstates, blen = hidden_states(model, torch.from_numpy(batch),
                                             torch.tensor(BATCH_LENGTHS), v["layer_norm_first"])
            for i, s in enumerate(bstates):
                save(os.path.join(d, f"batch.hidden.{i}.f32"), s)
        props += [f"{name}.frames={states[0].shape[1]}", f"{name}.batch.frames={bstates[0].shape[1]}",
                  f"{name}.batch.lengths={','.join(str(int(x)) for x in blen)}",
                  f"{name}.hidden_states={len(states)}"]
    with open(os.path.join(OUT, "fixtures.properties"), "w") as f:
        f.write("# written by tools/make_wav2vec2_fixtures.py\n" + "\n".join(props) + "\n")


if __name__ == "__main__":
    main()
