#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Batch-1 FP16 greedy decode speed in PyTorch, for the synthetic model shapes
that bench_cuda times (Qwen2.5-0.5B and -7B, random weights made on the GPU):
the peer a researcher would otherwise use, timed on the same card in the same
run. Three ways, each skipped with a reason when it cannot run:

  hf-eager     transformers' Qwen2ForCausalLM.generate (randomly initialised,
               nothing downloaded), greedy, a dynamic KV cache
  torch-eager  a plain PyTorch decoder with a preallocated KV cache
  torch-graph  the same decoder with one step captured as a CUDA graph

Prints a line per measurement and, with --json, appends JSON lines
{"section": "torch", "shape", "mode", "tok_s", "tok_s_min", "tok_s_max", ...}.
Needs no network access.
"""

import argparse
import json
import math
import statistics
import sys
import time

SHAPES = {
    "qwen0.5b": dict(layers=24, dim=896, heads=14, kv_heads=2, head_dim=64, ffn=4864,
                     vocab=151936, tied=True, rope_base=1e6, eps=1e-6),
    "qwen7b": dict(layers=28, dim=3584, heads=28, kv_heads=4, head_dim=128, ffn=18944,
                   vocab=152064, tied=False, rope_base=1e6, eps=1e-6),
}


def emit(out, record):
    print(json.dumps(record), flush=True)
    if out:
        out.write(json.dumps(record) + "\n")
        out.flush()


def summary(times, steps):
    """tok/s median, min, max from per-run seconds."""
    rates = sorted(steps / t for t in times)
    return statistics.median(rates), rates[0], rates[-1]


class Decoder:
    """A Qwen2-style decoder (RMSNorm, q/k/v biases, half-split RoPE, GQA,
    SwiGLU) over FP16 weights, one token at a time, with a KV cache of
    `context` positions per layer."""

    def __init__(self, torch, s, context, seed=0):
        self.t = torch
        self.s = s
        dev = "cuda"
        g = torch.Generator(device=dev).manual_seed(seed)
        half = torch.float16

        def w(rows, cols):
            return (torch.randn(rows, cols, device=dev, dtype=half, generator=g)
                    * (1.0 / math.sqrt(cols)))

        d, hd = s["dim"], s["head_dim"]
        qd, kvd = s["heads"] * hd, s["kv_heads"] * hd
        self.layers = []
        for _ in range(s["layers"]):
            self.layers.append(dict(
                wqkv=w(qd + 2 * kvd, d), bqkv=torch.zeros(qd + 2 * kvd, device=dev, dtype=half),
                wo=w(d, qd), wgu=w(2 * s["ffn"], d), wd=w(d, s["ffn"]),
                n1=torch.ones(d, device=dev, dtype=half), n2=torch.ones(d, device=dev, dtype=half)))
        self.emb = w(s["vocab"], d)
        self.head = self.emb if s["tied"] else w(s["vocab"], d)
        self.norm = torch.ones(d, device=dev, dtype=half)
        self.cache = torch.zeros(s["layers"], 2, s["kv_heads"], context, hd, device=dev,
                                 dtype=half)
        inv = 1.0 / (s["rope_base"] ** (torch.arange(0, hd, 2, device=dev, dtype=torch.float64)
                                        / hd))
        ang = torch.arange(context, device=dev, dtype=torch.float64)[:, None] * inv[None, :]
        self.cos = ang.cos().to(half)
        self.sin = ang.sin().to(half)
        self.positions = torch.arange(context, device=dev)
        self.context = context

    def rms(self, x, w):
        v = x.float()
        v = v * self.t.rsqrt(v.pow(2).mean(-1, keepdim=True) + self.s["eps"])
        return v.to(x.dtype) * w

    def rope(self, x, pos):
        # x: [heads, hd]; pos: 0-d tensor
        c = self.cos.index_select(0, pos.view(1))
        s = self.sin.index_select(0, pos.view(1))
        a, b = x.chunk(2, dim=-1)
        return self.t.cat((a * c - b * s, a * s + b * c), dim=-1)

    def step(self, token, pos):
        """token, pos: 0-d int64 tensors on the GPU. Returns the argmax token
        (a 0-d tensor) without a host synchronisation."""
        t, s = self.t, self.s
        F = t.nn.functional
        hd, h, kvh = s["head_dim"], s["heads"], s["kv_heads"]
        x = self.emb.index_select(0, token.view(1))[0]
        # Static shapes: attend over the whole cache, masking positions > pos.
        mask = (self.positions <= pos).view(1, 1, 1, -1)
        bias = t.where(mask, 0.0, float("-inf")).to(x.dtype)
        for li, L in enumerate(self.layers):
            y = self.rms(x, L["n1"])
            qkv = F.linear(y, L["wqkv"], L["bqkv"])
            q, k, v = qkv.split([h * hd, kvh * hd, kvh * hd])
            q = self.rope(q.view(h, hd), pos)
            k = self.rope(k.view(kvh, hd), pos)
            self.cache[li, 0].index_copy_(1, pos.view(1), k.view(kvh, 1, hd))
            self.cache[li, 1].index_copy_(1, pos.view(1), v.view(kvh, 1, hd))
            keys = self.cache[li, 0].repeat_interleave(h // kvh, dim=0)
            vals = self.cache[li, 1].repeat_interleave(h // kvh, dim=0)
            a = F.scaled_dot_product_attention(q.view(1, h, 1, hd), keys.unsqueeze(0),
                                               vals.unsqueeze(0), attn_mask=bias)
            x = x + F.linear(a.reshape(h * hd), L["wo"])
            y = self.rms(x, L["n2"])
            g, u = F.linear(y, L["wgu"]).chunk(2)
            x = x + F.linear(F.silu(g) * u, L["wd"])
        logits = F.linear(self.rms(x, self.norm), self.head)
        return logits.argmax()


def time_torch(torch, shape, s, steps, repeats, graph, out):
    mode = "torch-graph" if graph else "torch-eager"
    dec = Decoder(torch, s, steps + 2)
    token = torch.ones((), dtype=torch.long, device="cuda")
    pos = torch.zeros((), dtype=torch.long, device="cuda")
    run = None
    if graph:
        static_token, static_pos = token.clone(), pos.clone()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(2):  # warm-up before capture, as torch.cuda.graphs requires
                dec.step(static_token, static_pos)
        torch.cuda.current_stream().wait_stream(side)
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            nxt = dec.step(static_token, static_pos)
            static_token.copy_(nxt)
            static_pos.add_(1)

        def run():
            static_pos.zero_()
            for _ in range(steps):
                g.replay()
    else:
        def run():
            tk, p = token.clone(), pos.clone()
            for _ in range(steps):
                tk = dec.step(tk, p)
                p = p + 1
    run()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    med, lo, hi = summary(times, steps)
    emit(out, dict(section="torch", shape=shape, mode=mode, tok_s=med, tok_s_min=lo, tok_s_max=hi,
                   torch=torch.__version__))
    del dec
    torch.cuda.empty_cache()


def time_hf(torch, shape, s, steps, repeats, out):
    try:
        import transformers
        from transformers import Qwen2Config, Qwen2ForCausalLM
    except Exception as e:  # noqa: BLE001 - any import failure means "not available"
        emit(out, dict(section="torch", shape=shape, mode="hf-eager",
                       skipped=f"transformers unavailable: {e}"))
        return
    config = Qwen2Config(vocab_size=s["vocab"], hidden_size=s["dim"],
                         intermediate_size=s["ffn"], num_hidden_layers=s["layers"],
                         num_attention_heads=s["heads"], num_key_value_heads=s["kv_heads"],
                         max_position_embeddings=4096, rope_theta=s["rope_base"],
                         rms_norm_eps=s["eps"], tie_word_embeddings=s["tied"])
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float16)
    try:
        with torch.device("cuda"):
            model = Qwen2ForCausalLM(config).eval()
    finally:
        torch.set_default_dtype(previous)
    ids = torch.ones((1, 1), dtype=torch.long, device="cuda")
    kwargs = dict(max_new_tokens=steps, min_new_tokens=steps, do_sample=False,
                  pad_token_id=0, eos_token_id=None)
    with torch.inference_mode():
        model.generate(ids, **kwargs)
        torch.cuda.synchronize()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model.generate(ids, **kwargs)
            torch.cuda.synchronize()
            times.append(time.perf_counter() - start)
    med, lo, hi = summary(times, steps)
    emit(out, dict(section="torch", shape=shape, mode="hf-eager", tok_s=med, tok_s_min=lo,
                   tok_s_max=hi, torch=torch.__version__, transformers=transformers.__version__))
    del model
    torch.cuda.empty_cache()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--shapes", default="qwen0.5b,qwen7b")
    # The fastest first: a run cut short by the time budget still has it.
    p.add_argument("--modes", default="torch-graph,torch-eager,hf-eager")
    p.add_argument("--steps", type=int, default=64)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json")
    a = p.parse_args()
    out = open(a.json, "a") if a.json else None
    try:
        import torch
    except Exception as e:  # noqa: BLE001
        emit(out, dict(section="torch", skipped=f"PyTorch unavailable: {e}"))
        return 0
    if not torch.cuda.is_available():
        emit(out, dict(section="torch", skipped="PyTorch sees no CUDA device"))
        return 0
    for shape in a.shapes.split(","):
        if shape not in SHAPES:
            print(f"torch_decode: unknown shape '{shape}'", file=sys.stderr)
            return 2
        s = SHAPES[shape]
        for mode in a.modes.split(","):
            try:
                with torch.inference_mode():
                    if mode == "hf-eager":
                        time_hf(torch, shape, s, a.steps, a.repeats, out)
                    elif mode in ("torch-eager", "torch-graph"):
                        time_torch(torch, shape, s, a.steps, a.repeats, mode == "torch-graph",
                                   out)
                    else:
                        print(f"torch_decode: unknown mode '{mode}'", file=sys.stderr)
                        return 2
            except Exception as e:  # noqa: BLE001 - report and go on with the next mode
                emit(out, dict(section="torch", shape=shape, mode=mode,
                               skipped=f"{type(e).__name__}: {e}"))
                torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
