#!/usr/bin/env python3
"""The PyTorch side of `LatentLab.Benchmarks llm` (run by it; Debian 12's python3-torch 1.13, no other package).

  make DIR --shape qwen3-0.6b|qwen3-150m [--seed 0]
      writes a random-weight Qwen3 checkpoint (config.json + model.safetensors, F32), tensor by tensor.
  serve DIR --threads N [--dtype float32|bfloat16]
      loads DIR and answers commands on stdin, one JSON line each on stdout:
        prefill B T      -> one forward over B x T random tokens, last-position logits (as generation's prefill);
                            answers wall "seconds" and "cpu_seconds" (user + sys of every thread, time.process_time)
        decode B T N     -> prefill B x T, then N greedy steps with a KV cache; times the N steps only
        logits I1,I2,... -> the last position's logits for these token ids (the benchmark checks both sides agree)
        rss              -> peak resident set (ru_maxrss) so far

Transformers itself is not installable here (not packaged by Debian, PyPI unreachable), so the peer is a plain PyTorch
implementation of transformers' Qwen3ForCausalLM forward (eager attention, float32 softmax, DynamicCache-style torch.cat
KV cache, RMSNorm in float32, rotate-half RoPE, q/k norms per head before RoPE, GQA by repeat_kv, SiLU-gated MLP, tied
head), on the same safetensors weights. Weights are copied out of the memory-mapped file as transformers' loader does.
"""
import json, math, warnings, mmap, os, resource, struct, sys, time

import torch
import torch.nn.functional as F

SHAPES = {
    # Qwen/Qwen3-0.6B's config.json (vocab 151936, hidden 1024, 28 layers, 16 q heads / 8 kv heads of 128, MLP 3072, tied)
    "qwen3-0.6b": dict(vocab_size=151936, hidden_size=1024, intermediate_size=3072, num_hidden_layers=28,
                       num_attention_heads=16, num_key_value_heads=8, head_dim=128),
    # the same width, 8 layers and a 32k vocabulary: 159M parameters, for a quicker run
    "qwen3-150m": dict(vocab_size=32000, hidden_size=1024, intermediate_size=3072, num_hidden_layers=8,
                       num_attention_heads=16, num_key_value_heads=8, head_dim=128),
}


def make(folder, shape, seed):
    cfg = dict(SHAPES[shape])
    cfg.update(architectures=["Qwen3ForCausalLM"], model_type="qwen3", rms_norm_eps=1e-6, rope_theta=1000000.0,
               max_position_embeddings=40960, hidden_act="silu", attention_bias=False, tie_word_embeddings=True,
               torch_dtype="float32", bos_token_id=151643, eos_token_id=151645, sliding_window=None,
               use_sliding_window=False, attention_dropout=0.0, initializer_range=0.02)
    d, f, hd = cfg["hidden_size"], cfg["intermediate_size"], cfg["head_dim"]
    hq, hkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    tensors = [("model.embed_tokens.weight", [cfg["vocab_size"], d], "w")]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        tensors += [(p + "input_layernorm.weight", [d], "n"), (p + "post_attention_layernorm.weight", [d], "n"),
                    (p + "self_attn.q_proj.weight", [hq * hd, d], "w"), (p + "self_attn.k_proj.weight", [hkv * hd, d], "w"),
                    (p + "self_attn.v_proj.weight", [hkv * hd, d], "w"), (p + "self_attn.o_proj.weight", [d, hq * hd], "w"),
                    (p + "self_attn.q_norm.weight", [hd], "n"), (p + "self_attn.k_norm.weight", [hd], "n"),
                    (p + "mlp.gate_proj.weight", [f, d], "w"), (p + "mlp.up_proj.weight", [f, d], "w"),
                    (p + "mlp.down_proj.weight", [d, f], "w")]
    tensors.append(("model.norm.weight", [d], "n"))
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, shp, _ in tensors:
        n = 4 * math.prod(shp)
        header[name] = {"dtype": "F32", "shape": shp, "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    os.makedirs(folder, exist_ok=True)
    g = torch.Generator().manual_seed(seed)
    with open(os.path.join(folder, "model.safetensors"), "wb") as out:
        out.write(struct.pack("<Q", len(raw)) + raw)
        for name, shp, kind in tensors:   # one tensor in memory at a time
            t = torch.randn(shp, generator=g) * 0.02 if kind == "w" else 1 + 0.1 * torch.randn(shp, generator=g)
            out.write(t.contiguous().numpy().tobytes())
    with open(os.path.join(folder, "config.json"), "w") as c:
        json.dump(cfg, c, indent=2)
    print(json.dumps({"folder": folder, "parameters": sum(math.prod(s) for _, s, _ in tensors), "bytes": offset}))


def load(folder, dtype):
    warnings.filterwarnings("ignore", message="The given buffer is not writable")
    with open(os.path.join(folder, "config.json")) as c:
        cfg = json.load(c)
    path = os.path.join(folder, "model.safetensors")
    with open(path, "rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    n = struct.unpack("<Q", mm[:8])[0]
    header = json.loads(mm[8:8 + n])
    base, w = 8 + n, {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        assert meta["dtype"] == "F32", meta["dtype"]
        a, b = meta["data_offsets"]
        view = torch.frombuffer(mm, dtype=torch.float32, count=(b - a) // 4, offset=base + a).view(meta["shape"])
        w[name] = view.to(dtype).clone()   # owned copy, as transformers' loader makes
        del view
    mm.close()   # the copies are all that stays resident
    return cfg, w


class Qwen3:
    def __init__(self, cfg, w):
        self.c, self.w = cfg, w
        self.L, self.hq, self.hkv, self.hd = cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
        self.eps = cfg["rms_norm_eps"]
        self.inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, self.hd, 2, dtype=torch.int64).float() / self.hd))

    def norm(self, x, weight):
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return weight * x.to(dtype)

    @staticmethod
    def rotate_half(x):
        x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
        return torch.cat((-x2, x1), dim=-1)

    def forward(self, ids, positions, mask, cache):
        """ids (B,T), positions (B,T), mask additive (B,1,T,S) float32, cache list of [k, v] or None -> last logits (B,V)."""
        w, b, t = self.w, ids.shape[0], ids.shape[1]
        h = F.embedding(ids, w["model.embed_tokens.weight"])
        freqs = positions[:, :, None].float() * self.inv_freq[None, None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().to(h.dtype)[:, None], emb.sin().to(h.dtype)[:, None]          # (B,1,T,hd)
        for i in range(self.L):
            p = f"model.layers.{i}."
            x = self.norm(h, w[p + "input_layernorm.weight"])
            q = self.norm(F.linear(x, w[p + "self_attn.q_proj.weight"]).view(b, t, self.hq, self.hd), w[p + "self_attn.q_norm.weight"]).transpose(1, 2)
            k = self.norm(F.linear(x, w[p + "self_attn.k_proj.weight"]).view(b, t, self.hkv, self.hd), w[p + "self_attn.k_norm.weight"]).transpose(1, 2)
            v = F.linear(x, w[p + "self_attn.v_proj.weight"]).view(b, t, self.hkv, self.hd).transpose(1, 2)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            if cache is not None:
                if len(cache) > i:
                    k = torch.cat([cache[i][0], k], dim=2)
                    v = torch.cat([cache[i][1], v], dim=2)
                    cache[i] = [k, v]
                else:
                    cache.append([k, v])
            rep = self.hq // self.hkv
            kk = k[:, :, None].expand(b, self.hkv, rep, k.shape[2], self.hd).reshape(b, self.hq, k.shape[2], self.hd)
            vv = v[:, :, None].expand(b, self.hkv, rep, v.shape[2], self.hd).reshape(b, self.hq, v.shape[2], self.hd)
            scores = torch.matmul(q, kk.transpose(2, 3)) * self.hd ** -0.5 + mask
            probs = F.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
            o = torch.matmul(probs, vv).transpose(1, 2).reshape(b, t, -1)
            h = h + F.linear(o, w[p + "self_attn.o_proj.weight"])
            x = self.norm(h, w[p + "post_attention_layernorm.weight"])
            h = h + F.linear(F.silu(F.linear(x, w[p + "mlp.gate_proj.weight"])) * F.linear(x, w[p + "mlp.up_proj.weight"]), w[p + "mlp.down_proj.weight"])
        h = self.norm(h[:, -1:], w["model.norm.weight"])
        return F.linear(h, w["model.embed_tokens.weight"])[:, 0]


def causal(b, t, past, dtype):
    q = torch.arange(past, past + t)[:, None]
    k = torch.arange(past + t)[None, :]
    m = torch.zeros(t, past + t, dtype=torch.float32).masked_fill(k > q, torch.finfo(torch.float32).min)
    return m[None, None].expand(b, 1, t, past + t)


def serve(folder, threads, dtype):
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    cfg, w = load(folder, dtype)
    model = Qwen3(cfg, w)
    print(json.dumps({"ready": True, "load_s": time.perf_counter() - t0, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    gen = torch.Generator().manual_seed(0)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        with torch.no_grad():
            if parts[0] == "prefill":
                b, t = int(parts[1]), int(parts[2])
                ids = torch.randint(0, cfg["vocab_size"], (b, t), generator=gen)
                pos = torch.arange(t)[None].expand(b, t)
                s, c = time.perf_counter(), time.process_time()
                model.forward(ids, pos, causal(b, t, 0, dtype), None)
                print(json.dumps({"seconds": time.perf_counter() - s, "cpu_seconds": time.process_time() - c}), flush=True)
            elif parts[0] == "decode":
                b, t, n = int(parts[1]), int(parts[2]), int(parts[3])
                ids = torch.randint(0, cfg["vocab_size"], (b, t), generator=gen)
                cache = []
                logits = model.forward(ids, torch.arange(t)[None].expand(b, t), causal(b, t, 0, dtype), cache)
                s, c = time.perf_counter(), time.process_time()
                for i in range(n):
                    nxt = logits.argmax(-1, keepdim=True)
                    logits = model.forward(nxt, torch.full((b, 1), t + i), causal(b, 1, t + i, dtype), cache)
                print(json.dumps({"seconds": time.perf_counter() - s, "cpu_seconds": time.process_time() - c}), flush=True)
            elif parts[0] == "logits":
                ids = torch.tensor([[int(x) for x in parts[1].split(",")]])
                t = ids.shape[1]
                out = model.forward(ids, torch.arange(t)[None], causal(1, t, 0, dtype), None)[0].float()
                print(json.dumps({"logits": out.tolist()}), flush=True)
            elif parts[0] == "rss":
                print(json.dumps({"peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}), flush=True)
            elif parts[0] == "quit":
                break


if __name__ == "__main__":
    args = sys.argv[1:]
    opt = lambda name, default: args[args.index(name) + 1] if name in args else default
    if args and args[0] == "make":
        make(args[1], opt("--shape", "qwen3-0.6b"), int(opt("--seed", "0")))
    elif args and args[0] == "serve":
        serve(args[1], int(opt("--threads", "2")), {"float32": torch.float32, "bfloat16": torch.bfloat16}[opt("--dtype", "float32")])
    else:
        sys.exit(__doc__)
