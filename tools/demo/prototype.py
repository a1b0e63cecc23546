#!/usr/bin/python3
"""Design and check tool for the attnscope demo model (Debian's /usr/bin/python3 + numpy only).

Two jobs, independent of attnscope's C++ code:
  * solve the linear program behind the relative-position kernels (the per-plane weights listed
    in src/demo/weights.cpp): maximise min over offsets m = 1..1023 of sum_p w_p (1 - cos m th_p);
  * run a float64 Hugging Face-style Llama forward (RMSNorm, rotate-half RoPE, causal softmax,
    SiLU MLP) over a folder written by `attnscope demo --export DIR` and print every head's
    METRICS.md figures and the induction probe, as an independent check of the engine.

    /usr/bin/python3 tools/demo/prototype.py              # kernel weights for 10, 12, 14 planes
    /usr/bin/python3 tools/demo/prototype.py --load DIR [TEXT ...]
"""
import json
import struct
import sys

import numpy as np

D, HEADS, DH, LAYERS, INTER = 256, 4, 64, 2, 128
THETA, TMAX = 1e8, 1024
CODE = 36


def inv_freq():
    return (1.0 / (np.float32(THETA) ** (np.arange(0, DH, 2, dtype=np.float32) / DH))).astype(np.float64)


def kernel_amplitudes(planes, tmax, iters=20000):
    """Nonnegative per-plane weights A (sum 1) maximising min_{m=1..tmax-1} sum_k A_k (1-cos m th_k)."""
    th = inv_freq()[:planes]
    g = 1 - np.cos(np.outer(np.arange(1, tmax), th))
    w = np.ones(len(g)) / len(g)
    acc = np.zeros(planes)
    for _ in range(iters):
        k = np.argmax(w @ g)
        acc[k] += 1
        w *= np.exp(-0.5 * g[:, k])
        w /= w.sum()
    a = acc / acc.sum()
    return a, (g @ a).min()


# ---------------------------------------------------------------- forward (HF Llama semantics)
def rmsnorm(x, w, eps=1e-6):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def rope(x, pos):  # x [head, T, DH]
    f = inv_freq()
    ang = np.outer(pos, f)
    cos = np.concatenate([np.cos(ang)] * 2, -1)
    sin = np.concatenate([np.sin(ang)] * 2, -1)
    rot = np.concatenate([-x[..., DH // 2:], x[..., :DH // 2]], -1)
    return x * cos + rot * sin


def forward(W, ids):
    T = len(ids)
    x = W["model.embed_tokens.weight"][ids]
    pos = np.arange(T)
    atts = []
    for l in range(LAYERS):
        p = f"model.layers.{l}."
        h = rmsnorm(x, W[p + "input_layernorm.weight"])
        q = (h @ W[p + "self_attn.q_proj.weight"].T).reshape(T, HEADS, DH).transpose(1, 0, 2)
        k = (h @ W[p + "self_attn.k_proj.weight"].T).reshape(T, HEADS, DH).transpose(1, 0, 2)
        v = (h @ W[p + "self_attn.v_proj.weight"].T).reshape(T, HEADS, DH).transpose(1, 0, 2)
        q, k = rope(q, pos), rope(k, pos)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(DH)
        s = np.where(np.tril(np.ones((T, T), bool)), s, -np.inf)
        s -= s.max(-1, keepdims=True)
        a = np.exp(s)
        a /= a.sum(-1, keepdims=True)
        atts.append(a)
        o = (a @ v).transpose(1, 0, 2).reshape(T, HEADS * DH)
        x = x + o @ W[p + "self_attn.o_proj.weight"].T
        h = rmsnorm(x, W[p + "post_attention_layernorm.weight"])
        g = h @ W[p + "mlp.gate_proj.weight"].T
        u = h @ W[p + "mlp.up_proj.weight"].T
        x = x + (g / (1 + np.exp(-g)) * u) @ W[p + "mlp.down_proj.weight"].T
    logits = rmsnorm(x, W["model.norm.weight"]) @ W["lm_head.weight"].T
    return np.array(atts), logits


# ---------------------------------------------------------------- METRICS.md figures
def figures(A):
    T = A.shape[0]
    rows = np.arange(1, T)
    ent = [-(A[i, :i + 1][A[i, :i + 1] > 0] * np.log(A[i, :i + 1][A[i, :i + 1] > 0])).sum() / np.log(i + 1)
           for i in rows]
    return dict(self=np.mean([A[i, i] for i in rows]), previous=np.mean([A[i, i - 1] for i in rows]),
                first=np.mean([A[i, 0] for i in rows]), nent=np.mean(ent))


def pattern(f):
    best = "mixed"
    bs = -1
    for name, key, thr in [("self", "self", .5), ("previous", "previous", .5), ("first", "first", .5),
                           ("broad", "nent", .85)]:
        if f[key] >= thr and f[key] > bs:
            best, bs = name, f[key]
    return best


def load_folder(path):
    raw = open(path + "/model.safetensors", "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    hdr = json.loads(raw[8:8 + n])
    W = {}
    for name, info in hdr.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        W[name] = np.frombuffer(raw[8 + n + b:8 + n + e], np.float32).reshape(info["shape"]).astype(np.float64)
    vocab = json.load(open(path + "/tokenizer.json"))["model"]["vocab"]
    return W, vocab


def encode(vocab, text):
    import re
    return [1] + [vocab.get(w, 0) for w in re.findall(r"\w+|[^\w\s]+", text.lower())]


def report(W, vocab, texts):
    for text in texts:
        ids = encode(vocab, text)
        atts, _ = forward(W, ids)
        print(f"T={len(ids)}: {text[:60]}")
        for l in range(LAYERS):
            for h in range(HEADS):
                f = figures(atts[l, h])
                print(f"  L{l}H{h} {pattern(f):8s} " + " ".join(f"{k}={v:.4f}" for k, v in f.items()))
    rng = np.random.default_rng(0)
    ordinary = np.arange(3, len(vocab))
    for n, distinct in [(10, True), (50, True), (50, False), (300, True), (300, False), (TMAX // 2 - 1, False)]:
        ids = np.r_[1, np.tile(rng.choice(ordinary, n, replace=not distinct), 2)]
        atts, _ = forward(W, ids)
        A = atts[1, 0]
        i = np.arange(n + 1, 2 * n + 1)
        # mass on every key j whose previous token equals the query token (all valid induction targets)
        match = [A[q, 1:q + 1][ids[0:q] == ids[q]].sum() for q in i]
        ideal = [1 / (ids[0:q] == ids[q]).sum() for q in i]
        print(f"probe n={n} distinct={distinct}: induction={A[i, i - n + 1].mean():.4f} "
              f"(uniform-over-matches ideal {np.mean(ideal):.4f}) match mass mean={np.mean(match):.5f} "
              f"min={np.min(match):.5f}; prev L0H0={atts[0, 0][i, i - 1].mean():.5f}")

if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--load":
        W, vocab = load_folder(sys.argv[2])
        texts = sys.argv[3:] or ["the cat sat on the mat . the cat sat on the mat .",
                                 "once upon a time there was a little girl who lived in a small house near the woods ."]
        report(W, vocab, texts)
    else:
        for planes in [10, 12, 14]:
            a, m = kernel_amplitudes(planes, TMAX)
            print(planes, round(m, 4), np.round(a, 4).tolist())
