#!/usr/bin/env python3
"""Microbenchmarks that calibrate and check wafersim's GPU approx model (issue 6).

Run on one NVIDIA GPU with PyTorch (CUDA build) installed:

    python3 scripts/measure_gpu.py > gpu-measurements.csv
    python3 scripts/measure_gpu.py --quick      # fewer sizes, for a smoke test

Prints CSV on stdout, one row per measurement:

    device,test,dtype,shape,bytes,flops,seconds,value,unit

What it measures, and which wafersim parameter each row informs:
  copy     device-to-device copy at several sizes, bytes read + written
           -> efficiency.memory, efficiency.elementwise (large sizes), and
              kernel_latency (the floor the smallest copies hit)
  gemv     (m x k)·(k x n) with m = 1..64 (decode shapes), bf16 and fp8
           -> efficiency.weights and efficiency.weights_ramp (fit
              eff = weights x S / (S + ramp) over the sizes at m = 1, A-204),
              efficiency.quantized.fp8 (fp8 over bf16), GEMM waves at small m
  gemm     large and prefill-shaped GEMMs, bf16 and fp8 (8192^3 included)
           -> efficiency.compute (divide by the wave efficiency wafersim
              computes for the shape; see models/gpu/gemm_waves.h)
  sdpa     torch scaled_dot_product_attention, prefill and decode shapes
           -> efficiency.attention, FlashAttention traffic; the decode shapes
              -> efficiency.decode_attention and decode_attention_ramp (A-206)
  decode   one decode step of a Llama-shaped model (random weights, bf16,
           KV cache in HBM) at batch 1, 8 and 64, eager and CUDA-graph
           -> the end-to-end check: compare with `wafersim eval --system
              h100-sxm5 --model llama-3.1-8b --batch B --context C`
Nothing here is tuned per model: the decode rows are for validation only.
"""

import argparse
import math
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - needs a GPU machine
    sys.exit("measure_gpu.py needs PyTorch with CUDA (pip install torch)")


def timed(fn, warmup=3, iters=20):
    """Median seconds of fn() over `iters` runs, timed with CUDA events."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    times.sort()
    return times[len(times) // 2]


def row(device, test, dtype, shape, nbytes, flops, seconds, value, unit):
    print(f"{device},{test},{dtype},{shape},{nbytes},{flops:.6g},{seconds:.6g},{value:.6g},{unit}", flush=True)


def has_fp8():
    return hasattr(torch, "float8_e4m3fn") and torch.cuda.get_device_capability() >= (8, 9)


def measure_copy(dev, quick):
    sizes = [1 << 20, 16 << 20, 256 << 20, 1 << 30, 4 << 30]
    if quick:
        sizes = [16 << 20, 1 << 30]
    for size in sizes:
        src = torch.empty(size, dtype=torch.uint8, device="cuda")
        dst = torch.empty_like(src)
        s = timed(lambda: dst.copy_(src))
        moved = 2 * size  # read + write, as the 3.0 TB/s figure counts them
        row(dev, "copy", "u8", f"{size}", moved, 0, s, moved / s / 1e12, "TB/s")


def fp8_matmul(a, b_t, out_dtype=torch.bfloat16):
    """a (m x k) fp8 row-major, b_t (n x k) fp8: a @ b_t.T with unit scales."""
    one = torch.tensor(1.0, device="cuda")
    return torch._scaled_mm(a, b_t.t(), scale_a=one, scale_b=one, out_dtype=out_dtype)


def measure_matmuls(dev, quick):
    shapes = []
    for m in ([1, 8, 64] if quick else [1, 2, 4, 8, 16, 32, 64]):
        shapes.append(("gemv", m, 8192, 8192))
        shapes.append(("gemv", m, 8192, 28672))
    for m in ([512, 8192] if quick else [128, 512, 2048, 8192]):
        shapes.append(("gemm", m, 8192, 8192))
        shapes.append(("gemm", m, 8192, 28672))
    shapes.append(("gemm", 8192, 8192, 8192))
    dtypes = ["bf16"] + (["fp8"] if has_fp8() else [])
    for test, m, k, n in shapes:
        for dt in dtypes:
            if dt == "bf16":
                a = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
                b = torch.randn(k, n, device="cuda", dtype=torch.bfloat16)
                fn = lambda: a @ b
                elem = 2
            else:
                mp = max(16, int(math.ceil(m / 16)) * 16)  # _scaled_mm needs multiples of 16
                a = torch.randn(mp, k, device="cuda").to(torch.float8_e4m3fn)
                b_t = torch.randn(n, k, device="cuda").to(torch.float8_e4m3fn)
                fn = lambda: fp8_matmul(a, b_t)
                elem = 1
            s = timed(fn)
            flops = 2.0 * m * k * n
            nbytes = elem * (m * k + k * n) + 2 * m * n
            row(dev, test, dt, f"{m}x{k}x{n}", nbytes, flops, s, flops / s / 1e12, "TFLOP/s")
            row(dev, test + "_bw", dt, f"{m}x{k}x{n}", nbytes, flops, s, nbytes / s / 1e12, "TB/s")


def measure_sdpa(dev, quick):
    cases = [("prefill", 1, 32, 8, 2048, 2048), ("prefill", 1, 32, 8, 8192, 8192),
             ("decode", 1, 32, 8, 1, 4096), ("decode", 64, 32, 8, 1, 4096)]
    if quick:
        cases = cases[:1] + cases[2:3]
    d = 128
    for name, batch, heads, kv_heads, q_len, kv_len in cases:
        q = torch.randn(batch, heads, q_len, d, device="cuda", dtype=torch.bfloat16)
        k = torch.randn(batch, heads, kv_len, d, device="cuda", dtype=torch.bfloat16)
        v = torch.randn_like(k)  # GQA expanded: SDPA reads heads/kv_heads times the cache
        causal = name == "prefill"
        s = timed(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
        pairs = q_len * kv_len / (2 if causal else 1)
        flops = 4.0 * batch * heads * pairs * d
        nbytes = 2 * (q.numel() * 2 + k.numel() * 2)
        row(dev, f"sdpa_{name}", "bf16", f"b{batch}h{heads}kv{kv_heads}q{q_len}k{kv_len}", nbytes, flops, s,
            flops / s / 1e12, "TFLOP/s")
        row(dev, f"sdpa_{name}_bw", "bf16", f"b{batch}h{heads}kv{kv_heads}q{q_len}k{kv_len}", nbytes, flops, s,
            nbytes / s / 1e12, "TB/s")


class Layer(torch.nn.Module):
    """A Llama decoder layer: RMSNorm, fused QKV, GQA attention over a KV cache, O,
    RMSNorm, fused gate/up, SiLU·up, down. Random weights; no rotary (negligible)."""

    def __init__(self, hidden, heads, kv_heads, ffn, ctx, batch):
        super().__init__()
        self.h, self.nh, self.nkv, self.d = hidden, heads, kv_heads, hidden // heads
        kw = dict(device="cuda", dtype=torch.bfloat16)
        self.qkv = torch.randn(hidden, (heads + 2 * kv_heads) * self.d, **kw) * 0.01
        self.o = torch.randn(heads * self.d, hidden, **kw) * 0.01
        self.gate_up = torch.randn(hidden, 2 * ffn, **kw) * 0.01
        self.down = torch.randn(ffn, hidden, **kw) * 0.01
        self.k_cache = torch.randn(batch, kv_heads, ctx, self.d, **kw)
        self.v_cache = torch.randn_like(self.k_cache)

    def forward(self, x):
        b = x.shape[0]
        y = F.rms_norm(x, (self.h,)) if hasattr(F, "rms_norm") else x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True))
        qkv = y @ self.qkv
        q = qkv[:, : self.nh * self.d].view(b, self.nh, 1, self.d)
        a = F.scaled_dot_product_attention(q, self.k_cache, self.v_cache, enable_gqa=True)
        x = x + a.reshape(b, -1) @ self.o
        y = F.rms_norm(x, (self.h,)) if hasattr(F, "rms_norm") else x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True))
        g, u = (y @ self.gate_up).chunk(2, dim=-1)
        return x + (F.silu(g) * u) @ self.down


def measure_decode(dev, quick):
    # Llama 3.1 8B shapes; 32 layers (fewer with --quick: the per-layer time scales).
    hidden, heads, kv_heads, ffn, layers = 4096, 32, 8, 14336, 32 if not quick else 8
    ctx = 1024
    for batch in [1, 8, 64]:
        try:
            model = torch.nn.Sequential(*[Layer(hidden, heads, kv_heads, ffn, ctx, batch) for _ in range(layers)])
        except torch.cuda.OutOfMemoryError:
            continue
        x = torch.randn(batch, hidden, device="cuda", dtype=torch.bfloat16)
        weights = layers * 2 * (hidden * (heads + 2 * kv_heads) * (hidden // heads) + heads * (hidden // heads) * hidden
                                + 3 * hidden * ffn)
        with torch.no_grad():
            eager = timed(lambda: model(x))
            row(dev, "decode_eager", "bf16", f"b{batch}ctx{ctx}L{layers}", weights, 0, eager, batch / eager,
                "tokens/s")
            graph = torch.cuda.CUDAGraph()
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream):
                for _ in range(2):
                    model(x)
            torch.cuda.current_stream().wait_stream(stream)
            with torch.cuda.graph(graph):
                model(x)
            graphed = timed(graph.replay)
            row(dev, "decode_graph", "bf16", f"b{batch}ctx{ctx}L{layers}", weights, 0, graphed, batch / graphed,
                "tokens/s")
        del model
        torch.cuda.empty_cache()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes (smoke test)")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("no CUDA device visible")
    dev = torch.cuda.get_device_name().replace(",", " ")
    print("device,test,dtype,shape,bytes,flops,seconds,value,unit")
    torch.backends.cuda.matmul.allow_tf32 = False
    measure_copy(dev, args.quick)
    measure_matmuls(dev, args.quick)
    measure_sdpa(dev, args.quick)
    measure_decode(dev, args.quick)


if __name__ == "__main__":
    main()
