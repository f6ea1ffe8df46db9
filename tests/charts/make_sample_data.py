#!/usr/bin/env python3
"""Regenerate tests/data/charts/*.json: plausible (not simulated) results used
to exercise charts/render.py.  Run: python3 tests/charts/make_sample_data.py"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "charts")

# name: (devices, peak FLOP/s, mem bw B/s, capacity B, mem eff, fabric s/layer,
#        interconnect s/layer, overhead s/step)
SYSTEMS = {
    "wse3":      (1, 125e15, 21e15, 44e9, 0.30, 12e-6, 0.0, 40e-6),
    "cs3-x4":    (4, 500e15, 84e15, 176e9, 0.30, 10e-6, 4.0e-6, 60e-6),
    "h100-sxm5": (1, 989e12, 3.35e12, 80e9, 0.90, 0.0, 0.0, 200e-6),
    "dgx-h100":  (8, 7.9e15, 26.8e12, 640e9, 0.80, 0.0, 9.0e-6, 450e-6),
    "groq-rack": (576, 108e15, 46e15, 132e9, 0.55, 0.0, 20e-6, 150e-6),
}
DEVICES = [
    {"name": "wse3", "peak_flops": 125e15, "memory_bandwidth": 21e15, "memory_level": "SRAM"},
    {"name": "h100-sxm5", "peak_flops": 989e12, "memory_bandwidth": 3.35e12, "memory_level": "HBM"},
    {"name": "groq-lpu", "peak_flops": 188e12, "memory_bandwidth": 80e12, "memory_level": "SRAM"},
]
MODELS = {  # params, layers, KV bytes/token (fp16)
    "llama-3.1-8b": (8.0e9, 32, 131072),
    "llama-3.1-70b": (70.6e9, 80, 327680),
}


def point(system, model, batch, context, link_bw=None, flat=False):
    ndev, peak, bw, cap, eff, fab, ic, ovh = SYSTEMS[system]
    params, layers, kv_tok = MODELS[model]
    prompt, output = context // 2, context // 2
    weights = 2 * params
    kv = batch * context * kv_tok
    act = batch * 4096 * 2 * 8 * layers
    flops = 2 * params * batch + 4 * batch * context * 4096 * layers / 8
    fits = weights + kv + act <= cap
    row = {
        "system": system, "model": model, "batch": batch, "context": context,
        "prompt": prompt, "output": output, "dtype": "fp16", "phase": "decode",
        "devices": ndev, "fidelity": "analytic", "fits": fits,
        "fit_error": None if fits else
        "needs %.0f GB, %s has %.0f GB" % ((weights + kv + act) / 1e9, system, cap / 1e9),
        "devices_used": ndev,
    }
    if link_bw is not None:
        row["set.wse3.fabric.link_bandwidth"] = "%g B/cycle" % link_bw
        fab = fab * 8.0 / link_bw
    if not fits:
        row.update({k: None for k in ("latency_s", "ttft_s", "tpot_s", "tokens_per_s",
                                      "tokens_per_s_per_user", "bound", "arithmetic_intensity",
                                      "achieved_flops")})
        row["time_s"] = None
        row["memory_bytes"] = {"weights": weights, "kv_cache": kv, "activations": act,
                               "capacity": cap}
        return row
    t_comp = flops / (0.55 * peak)
    t_mem = (weights + kv) / (eff * bw)
    t_fab = fab * layers * (1 + batch / 64)
    t_ic = ic * layers * (1 + batch / 128)
    # exposed (non-overlapped) parts: the dominant one plus a fraction of the rest
    parts = {"compute": t_comp, "memory": t_mem, "fabric": t_fab, "interconnect": t_ic}
    dom = max(parts, key=parts.get)
    exposed = {k: (v if k == dom else 0.25 * v) for k, v in parts.items()}
    exposed["overhead"] = ovh
    tpot = sum(exposed.values())
    ttft = prompt * tpot / max(1.0, min(batch * 40.0, 400.0)) + ovh
    row.update({
        "latency_s": ttft + output * tpot, "ttft_s": ttft, "tpot_s": tpot,
        "tokens_per_s": batch / tpot, "tokens_per_s_per_user": 1.0 / tpot,
        "bound": dom, "arithmetic_intensity": flops / (weights + kv),
        "achieved_flops": flops / tpot / ndev,
        "time_s": exposed,
        "memory_bytes": {"weights": weights, "kv_cache": kv, "activations": act, "capacity": cap},
    })
    if flat:  # exercise the dotted form
        for key in ("time_s", "memory_bytes"):
            for k, v in row.pop(key).items():
                row[key + "." + k] = v
    return row


def main():
    rows = [point(s, m, b, 4096) for m in MODELS for s in SYSTEMS for b in (1, 8, 64, 256)]
    spec = {
        "scenario": "sample-decode",
        "title": "Decode speed: wafer-scale vs GPU vs LPU",
        "subtitle": "decode phase · fp16 · context 4096 tokens · analytic fidelity",
        "devices": DEVICES,
        "charts": [
            {"name": "per_user_bs1", "type": "bar", "x": "system", "y": "tokens_per_s_per_user",
             "series": "model", "filter": {"batch": 1}, "log_y": True,
             "title": "Single-user decode speed (batch 1)"},
            {"name": "throughput_by_batch", "type": "bar", "x": "batch", "y": "tokens_per_s",
             "series": "system", "facet": "model", "log_y": True,
             "title": "Aggregate throughput by batch size"},
            {"name": "throughput_vs_batch", "type": "line", "x": "batch", "y": "tokens_per_s",
             "series": "system", "facet": "model", "log_x": True, "log_y": True,
             "title": "Throughput grows with batch until memory or compute saturates"},
            {"name": "tpot_vs_batch", "type": "line", "x": "batch", "y": "tpot_s",
             "series": "system", "log_x": True, "log_y": True, "filter": {"model": "llama-3.1-8b"},
             "title": "Time per output token, Llama-3.1-8B"},
            {"name": "tradeoff", "type": "scatter", "x": "tokens_per_s_per_user", "y": "tokens_per_s", "connect": True,
             "series": "system", "facet": "model", "label": "batch", "log_x": True, "log_y": True,
             "title": "Interactivity vs throughput (labels: batch size)"},
            {"name": "roofline", "type": "roofline", "series": "system",
             "title": "Roofline: decode is memory-bound at small batch"},
            {"name": "time_share", "type": "breakdown", "x": "system", "series": "batch",
             "facet": "model", "title": "Where does a decode step spend its time?"},
            {"name": "time_abs", "type": "breakdown", "x": "system", "normalize": False,
             "filter": {"model": "llama-3.1-8b", "batch": 64}, "log_y": False,
             "title": "Decode step time, Llama-3.1-8B, batch 64"},
            {"name": "per_user_heatmap", "type": "heatmap", "x": "batch", "y": "system",
             "z": "tokens_per_s_per_user", "facet": "model",
             "title": "Tokens/s per user across batch sizes"},
        ],
    }
    sweep = [point("wse3", "llama-3.1-8b", b, 4096, link_bw=lb, flat=True)
             for lb in (1, 2, 4, 8, 16, 32) for b in (1, 8, 32, 64)]
    sweep_spec = {
        "scenario": "sample-fabric-sweep",
        "title": "WSE-3 fabric link bandwidth sweep",
        "subtitle": "wse3 · llama-3.1-8b · decode · fp16 · context 4096",
        "charts": [
            {"name": "fabric_heatmap", "type": "heatmap", "x": "set.wse3.fabric.link_bandwidth",
             "y": "batch", "z": "tokens_per_s_per_user", "title": "Per-user speed vs fabric link bandwidth"},
            {"name": "fabric_line", "type": "line", "x": "set.wse3.fabric.link_bandwidth",
             "y": "tokens_per_s_per_user", "series": "batch", "log_x": True,
             "title": "Per-user speed vs fabric link bandwidth"},
            {"name": "fabric_breakdown", "type": "breakdown", "x": "set.wse3.fabric.link_bandwidth",
             "series": "batch", "title": "Step time share vs link bandwidth"},
            {"name": "fabric_time", "type": "bar", "x": "set.wse3.fabric.link_bandwidth",
             "y": "time_s.fabric", "series": "batch", "title": "Fabric time per step"},
        ],
    }
    for name, obj in (("sample_results.json", rows), ("sample_spec.json", spec),
                      ("sweep_results.json", sweep), ("sweep_spec.json", sweep_spec)):
        with open(os.path.join(DATA, name), "w") as fh:
            json.dump(obj, fh, indent=1)
            fh.write("\n")


if __name__ == "__main__":
    main()
