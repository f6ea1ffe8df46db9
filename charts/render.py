#!/usr/bin/python3
"""Render wafersim scenario charts (PNG + SVG) from a chart spec and a results file.

Usage (run with /usr/bin/python3, which has matplotlib):
  render.py --spec SPEC.json --results RESULTS.json --out-dir DIR
  render.py --check-spec SPEC.json --columns col1,col2,...

RESULTS.json is an array of objects, one per evaluated point.  Nested objects
(time_s, memory_bytes) may be nested or flattened with dots ("time_s.memory").

SPEC.json: {"scenario", "title", "subtitle", "charts": [...], "devices": [...]}.
Chart keys:
  name      output file stem (letters, digits, '-', '_', '.')          required
  type      bar | line | scatter | roofline | breakdown | heatmap     required
            (serving: latency_load | slo_attainment | capacity | cost_at_slo)
  x, y      columns (roofline defaults: arithmetic_intensity, achieved_flops;
            breakdown needs only x and plots time_s.*)
  z         heatmap colour column
  series    column: one colour per value (consistent across the run)
  facet     column: one subplot per value
  filter    {column: value or [values]}: keep only matching points
  label     column written next to each point (scatter, roofline)
  points    "steps" (default: rows of RESULTS) or "ops" (rows of the spec's
            "ops_results" file: one per op family of each point's step)
  connect   scatter: join the points of a series with a thin line
  pareto    scatter: dashed line through the points no other point beats on both
            axes (larger x and smaller y are better), over all series
  normalize breakdown: true (default) = percent of step time, false = absolute
  log_x, log_y, log_z (heatmap colour; default: auto when the range > 50x);
            breakdown bars are always linear
  title, x_label, y_label, z_label
Devices (roofline): {"name", "peak_flops", "memory_bandwidth", "memory_level"}.

Exit codes: 0 ok, 2 spec error (bad chart or column absent from every result),
1 any other failure.  Files are written to a temp file and renamed into place.
"""
import argparse
import json
import math
import os
import re
import sys
import tempfile
import textwrap

CHART_TYPES = ("bar", "line", "scatter", "roofline", "breakdown", "heatmap")
# The time split (keys under time_s, stacking order) and its legend come from the
# result-field table the runner writes into spec.json ("result_fields", the output
# of `wafersim describe results --json`); use_result_fields() fills these.
PARTS = ()
PART_MEANING = {}
PART_COLORS = {"compute": "#4C72B0", "memory": "#DD8452", "fabric": "#55A868",
               "interconnect": "#8172B3", "overhead": "#CCB974", "latency": "#CCB974"}
NOFIT_FACE, NOFIT_EDGE = "#e3e3e3", "#8a8a8a"
# One colour per system and device preset in every chart of every scenario: wafers
# in reds, GPUs in blues/greens, LPUs in purples, mixed racks in browns. Other names
# get a palette colour chosen by a hash of the name (stable across runs).
SYSTEM_COLORS = {
    "wse3": "#d62728", "cs3-x4": "#ff7f0e", "wse2": "#e377c2", "wse-mini": "#f7b6d2",
    "h100-sxm5": "#1f77b4", "dgx-h100": "#17becf", "a100-sxm4-80gb": "#aec7e8", "dgx-a100": "#9edae5",
    "h200-sxm": "#2ca02c", "dgx-h200": "#98df8a", "b200": "#8ca252", "dgx-b200": "#637939",
    "groq-lpu": "#c5b0d5", "groq-rack": "#9467bd",
    "gpu-lpu-rack": "#8c564b", "gpu-lpu-rack-shared-weights": "#c49c94",
}
SYSTEM_COLUMNS = ("system", "device", "device_kind")
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
           "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78",
           "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#9edae5"]
# column -> (axis label, unit kind); kind: time | bytes | None. Result fields get
# theirs from the result-field table (use_result_fields); these are the scenario's
# own columns.
LABELS = {
    "context": ("context (tokens)", None), "prompt": ("prompt (tokens)", None),
    "output": ("output (tokens)", None), "devices_used": ("devices used", None),
}
TIME_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))
BYTE_UNITS = ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB"), (1.0, "B"))
PARAMS = ("system", "model", "batch", "context", "prompt", "output", "dtype", "phase",
          "devices", "fidelity")
NUM_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


class SpecError(Exception):
    """A problem with the chart spec (exit code 2)."""


def use_result_fields(spec, rows):
    """Axis labels and the time split from the spec's result-field table; without one
    (a spec written by hand), the time_s columns of the results in their order."""
    global PARTS
    table = spec.get("result_fields") or {}
    for f in table.get("fields", []):
        unit = f.get("unit", "")
        kind = "time" if unit == "s" else "bytes" if unit == "B" else None
        if f.get("label"):
            LABELS.setdefault(f["name"], (f["label"], kind))
    parts = table.get("time_parts")
    if parts:
        PARTS = tuple(p["key"] for p in parts)
        PART_MEANING.update({p["key"]: p["meaning"] for p in parts})
    else:
        keys = []
        for r in rows[:1]:
            keys = [k[7:] for k in r if k.startswith("time_s.")]
            if not keys and isinstance(r.get("time_s"), dict):
                keys = list(r["time_s"])
        PARTS = tuple(keys)
        PART_MEANING.update({k: k for k in keys})


# ----------------------------------------------------------------- data ----
def flatten(obj, prefix=""):
    out = {}
    for key, val in obj.items():
        name = prefix + key
        if isinstance(val, dict):
            out[name] = val
            out.update(flatten(val, name + "."))
        else:
            out[name] = val
    return out


def load_json(path, what):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as err:
        raise RuntimeError("cannot read %s %s: %s" % (what, path, err))


def load_results(path):
    data = load_json(path, "results")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise RuntimeError("results %s: expected a JSON array of objects" % path)
    return [flatten(r) for r in data]


def to_number(v):
    """Numeric value of v: numbers as is, "8 B/cycle" -> 8.0, else None."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v) if math.isfinite(v) else None
    m = NUM_RE.match(str(v))
    return float(m.group(1)) if m else None


def unit_suffix(values):
    """Common unit of string values like "8 B/cycle" ("B/cycle"), else ""."""
    units = {NUM_RE.match(v).group(2) for v in values if isinstance(v, str) and NUM_RE.match(v)}
    return units.pop() if len(units) == 1 else ""


def vtext(v):
    if v is None:
        return "n/a"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def natural_key(v):
    n = to_number(v)
    if n is not None:
        return (0, n, ())
    return (1, 0.0, tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", str(v))))


def ordered(values, numeric_sort=True):
    """Distinct values; sorted numerically if all numeric, else first-appearance order."""
    seen, out = set(), []
    for v in values:
        k = vtext(v)
        if k not in seen:
            seen.add(k)
            out.append(v)
    if numeric_sort and out and all(to_number(v) is not None for v in out):
        out.sort(key=lambda v: to_number(v))
    return out


def fits(row):
    return row.get("fits") is not False


def compact(v):
    """1234 -> 1.2k, 35.2 -> 35, 0.412 -> 0.41, 2.5e15 -> 2.5P."""
    if v is None or not math.isfinite(v):
        return "–"
    if v == 0:
        return "0"
    a = abs(v)
    for div, suf in ((1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= div * 0.9995:
            return _sig(v / div) + suf
    return _sig(v)


def si(v, unit):
    """2.5e15, "FLOP/s" -> "2.5 PFLOP/s"."""
    c = compact(v)
    return c[:-1] + " " + c[-1] + unit if c[-1].isalpha() else c + " " + unit


def _sig(x):
    a = abs(x)
    if a >= 9.95:
        return "%.0f" % x
    if a >= 1:
        s = "%.1f" % x
        return s[:-2] if s.endswith(".0") else s
    return "%.2g" % x


# ------------------------------------------------------------- labels ----
class Quantity:
    """Axis label and display scale for one column over the values it shows."""

    def __init__(self, col, values, override=None):
        nums = [abs(to_number(v)) for v in values if to_number(v) is not None]
        name, kind = LABELS.get(col, (None, None))
        if name is None:
            if col.startswith("time_s."):
                name, kind = col[7:].replace("_", " ") + " time", "time"
            elif col.startswith("memory_bytes."):
                name, kind = col[13:].replace("_", " ").replace("kv", "KV") + " memory", "bytes"
            elif col.startswith("set."):
                name = col[4:]
            else:
                name = col.replace("_", " ")
            if kind is None and col.endswith("_s") and not col.startswith("set."):
                name, kind = name[:-2], "time"
            if kind is None and col.endswith("_bytes"):
                name, kind = name[:-6], "bytes"
        self.scale, unit = 1.0, unit_suffix(values)
        if kind:
            units = TIME_UNITS if kind == "time" else BYTE_UNITS
            peak = max(nums) if nums else 1.0
            self.scale, unit = units[-1][0], units[-1][1]
            for div, u in units:
                if peak >= div * 0.9995:
                    self.scale, unit = div, u
                    break
            self.scale = 1.0 / self.scale
        self.label = override or (name + (" (%s)" % unit if unit else ""))
        self.col = col

    def of(self, row):
        n = to_number(row.get(self.col))
        return None if n is None else n * self.scale


def short_name(col):
    return col.split(".")[-1].replace("_", " ") if col.startswith("set.") else col.replace("_", " ")


def series_text(col, v):
    """Legend / facet text of a value: "batch 64" for numbers, the value for names."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return "%s %s" % (short_name(col), vtext(v))
    return vtext(v)


# ------------------------------------------------------------- spec ----
def chart_columns(ch):
    """(role, column) pairs a chart needs."""
    t = ch.get("type")
    cols = []
    if t == "roofline":
        cols += [("x", ch.get("x") or "arithmetic_intensity"), ("y", ch.get("y") or "achieved_flops")]
    elif t == "breakdown":
        cols += [("x", ch.get("x")), ("time breakdown", "time_s")]
    else:
        cols += [("x", ch.get("x")), ("y", ch.get("y"))]
        if t == "heatmap":
            cols.append(("z", ch.get("z")))
    for role in ("series", "facet", "label"):
        if ch.get(role):
            cols.append((role, ch[role]))
    for col in (ch.get("filter") or {}):
        cols.append(("filter", col))
    return cols


def column_present(col, columns):
    if col in columns:
        return True
    if col == "time_s":
        return any(c.startswith("time_s.") for c in columns)
    head = col.split(".")[0]
    return "." in col and head in ("time_s", "memory_bytes") and head in columns


def validate_spec(spec, columns, op_columns=None):
    if not isinstance(spec, dict) or not isinstance(spec.get("charts"), list):
        raise SpecError("spec: expected an object with a \"charts\" array")
    seen = set()
    for i, ch in enumerate(spec["charts"]):
        if not isinstance(ch, dict):
            raise SpecError("chart #%d: expected an object" % (i + 1))
        name = ch.get("name")
        if not isinstance(name, str) or not re.match(r"^[A-Za-z0-9_.-]+$", name) or name.startswith("."):
            raise SpecError("chart #%d: missing or invalid \"name\" %r (use letters, digits, - _ .)"
                            % (i + 1, name))
        if name in seen:
            raise SpecError("chart '%s': duplicate chart name" % name)
        seen.add(name)
        if ch.get("type") not in CHART_TYPES:
            raise SpecError("chart '%s': unknown type %r (expected one of %s)"
                            % (name, ch.get("type"), ", ".join(CHART_TYPES)))
        if ch.get("filter") is not None and not isinstance(ch["filter"], dict):
            raise SpecError("chart '%s': \"filter\" must be an object {column: value}" % name)
        ops = ch.get("points") == "ops"
        if ops and op_columns is None:
            raise SpecError("chart '%s': points: ops needs \"ops_results\" (ops.json) in the spec" % name)
        cols_here = op_columns if ops else columns
        for role, col in chart_columns(ch):
            if not col or not isinstance(col, str):
                raise SpecError("chart '%s' (%s): missing \"%s\" column" % (name, ch["type"], role))
            if not column_present(col, cols_here):
                raise SpecError("chart '%s': %s column '%s' is not in the results (available: %s)"
                                % (name, role, col, ", ".join(sorted(cols_here)) or "none"))
    for d in spec.get("devices") or []:
        if not isinstance(d, dict) or not d.get("name") or not all(
                to_number(d.get(k)) for k in ("peak_flops", "memory_bandwidth")):
            raise SpecError("spec: each device needs name, peak_flops and memory_bandwidth: %r" % (d,))


# ------------------------------------------------------------- plot helpers ----
class Ctx:
    """Per-chart state shared by the panels of one figure."""

    def __init__(self, spec, ch, rows, palettes):
        self.spec, self.ch, self.rows = spec, ch, rows
        self.notes, self.legend, self.missing = [], {}, {}
        scol = ch.get("series")
        self.series = ordered([r.get(scol) for r in rows], numeric_sort=True) if scol else [None]
        self.colors = palettes.get(scol, {}) if scol else {}
        self.warned = set()
        self.labels = []

    def color(self, v):
        return self.colors.get(vtext(v), PALETTE[0])

    def device_counts(self, sv):
        """Device counts of the points of series value `sv` (every series when no series column)."""
        scol = self.ch.get("series")
        return sorted({int(to_number(r.get("devices"))) for r in self.rows
                       if (not scol or vtext(r.get(scol)) == vtext(sv)) and fits(r)
                       and to_number(r.get("devices"))})

    def shows_devices(self):
        """Whether bars should say how many devices they stand for: some point uses more than one."""
        return any(n > 1 for n in self.device_counts(None)) if not self.ch.get("series") else \
            any(n > 1 for sv in self.series for n in self.device_counts(sv))

    def series_label(self, sv):
        """Legend text of a series; with the device count when it is one number per series."""
        text = series_text(self.ch["series"], sv)
        if self.ch["type"] in ("bar", "breakdown") and self.shows_devices():
            counts = self.device_counts(sv)
            if len(counts) == 1:
                text += " (%s device%s)" % (compact(counts[0]) if counts[0] >= 10000 else "{:,}".format(counts[0]),
                                            "s" if counts[0] != 1 else "")
            elif counts:
                text += " (×N under a bar: its devices)"
        return text

    def bar_devices(self, sv, row):
        """" ×N" under a bar when its series' device count varies from point to point."""
        if not self.shows_devices() or len(self.device_counts(sv)) <= 1:
            return ""
        n = to_number(row.get("devices"))
        return "\n×{:,}".format(int(n)) if n else ""

    def add_legend(self, label, handle):
        self.legend.setdefault(label, handle)

    def legend_items(self):
        """Legend entries; breakdown parts in stacking order (top of the bar first)."""
        order = {PART_MEANING[k]: -i for i, k in enumerate(PARTS)}
        keys = sorted(self.legend, key=lambda k: (k == "does not fit", " roof: " in k, order.get(k, 0)))
        return [self.legend[k] for k in keys], keys


def stable_color(name):
    """A system's colour: its fixed one, else a palette colour picked by a hash of the name."""
    if name in SYSTEM_COLORS:
        return SYSTEM_COLORS[name]
    import zlib
    return PALETTE[zlib.crc32(name.encode("utf-8")) % len(PALETTE)]


def build_palettes(spec, rows):
    """Colour per value of every series column: systems keep one colour in every
    scenario (SYSTEM_COLORS); other columns take palette colours in sorted order."""
    pal = {}
    for ch in spec["charts"]:
        col = ch.get("series")
        if col and col not in pal:
            vals = sorted({vtext(r.get(col)) for r in rows if r.get(col) is not None}, key=natural_key)
            if col in SYSTEM_COLUMNS:
                pal[col] = {v: stable_color(v) for v in vals}
            else:
                pal[col] = {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(vals)}
    # Roofs are coloured by device name, points by system name: the same map.
    pal.setdefault("system", {})
    for d in spec.get("devices") or []:
        pal["system"].setdefault(vtext(d.get("name")), stable_color(vtext(d.get("name"))))
    return pal


def select(rows, flt):
    def ok(r):
        for col, want in (flt or {}).items():
            wants = want if isinstance(want, list) else [want]
            if vtext(r.get(col)) not in {vtext(w) for w in wants}:
                return False
        return True
    return [r for r in rows if ok(r)]


def cells(rows, keys, ch, ctx):
    """Map key-tuple -> first row; warn when several points share a cell."""
    out, dup = {}, set()
    for r in rows:
        k = tuple(vtext(r.get(c)) if c else None for c in keys)
        if k in out:
            base = out[k]
            dup.update(c for c in set(base) | set(r) if (c in PARAMS or c.startswith("set."))
                       and vtext(base.get(c)) != vtext(r.get(c)))
        else:
            out[k] = r
    if dup and tuple(sorted(dup)) not in ctx.warned:
        ctx.warned.add(tuple(sorted(dup)))
        msg = "chart '%s': several points share a cell; they differ in %s (showing the first; add a facet or filter)" \
              % (ch["name"], ", ".join(sorted(dup)))
        print("render.py: warning: " + msg, file=sys.stderr)
    return out


def log_limits(lo, hi, head=0.0, floor_ratio=1.0):
    """Log-axis limits snapped to decades, with `head` fraction of free space on top.
    The bottom sits at least `floor_ratio` below the smallest value, so a bar of it is
    never a stub that reads as "does not fit" (a 133 on an axis starting at 100)."""
    bottom = 10 ** math.floor(math.log10(lo / floor_ratio) - 0.02)
    return bottom, hi * (hi / bottom) ** (max(head, 0.04) / (1 - max(head, 0.04)))


def setup_log_axis(axis, values=None):
    """Compact tick labels (1, 10, 1k) on a log axis; explicit ticks when few values."""
    from matplotlib import ticker
    fmt = ticker.FuncFormatter(lambda v, _: compact(v))
    if values and len(values) <= 10:
        axis.set_major_locator(ticker.FixedLocator(sorted(values)))
        axis.set_minor_locator(ticker.NullLocator())
        # The swept values as written (3.35, not 3.4).
        axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: compact(v) if abs(v) >= 1000 else "%.3g" % v))
        return
    axis.set_major_locator(ticker.LogLocator(base=10, numticks=12))
    axis.set_major_formatter(fmt)
    axis.set_minor_locator(ticker.LogLocator(base=10, subs=(2, 5), numticks=12))
    lo, hi = axis.get_view_interval()
    few = lo > 0 and hi / lo < 1500
    axis.set_minor_formatter(fmt if few else ticker.NullFormatter())


def tick_texts(values):
    """Category tick labels; "8 B/cycle" -> "8" when every value carries the same unit
    (the axis label then names the unit)."""
    if unit_suffix(values) and all(to_number(v) is not None for v in values):
        return [vtext(to_number(v)) for v in values]
    return [vtext(v) for v in values]


def text_w_in(s, size):
    return max(len(line) for line in s.split("\n")) * size * 0.6 / 72.0


def nofit_patch():
    from matplotlib.patches import Patch
    return Patch(facecolor=NOFIT_FACE, edgecolor=NOFIT_EDGE, hatch="///", label="does not fit")


def draw_stubs(ax, positions, width, bottom, height, slot_in):
    """Hatched grey stubs labelled "does not fit" at x positions."""
    for pos in positions:
        ax.bar(pos, height, width, bottom=bottom, color=NOFIT_FACE, edgecolor=NOFIT_EDGE,
               hatch="///", linewidth=0.6, zorder=2)
        top = bottom + height
        if slot_in >= 0.8:
            ax.text(pos, top, "does not fit", ha="center", va="bottom", fontsize=7,
                    color="#666", style="italic")
        elif slot_in >= 0.45:
            ax.text(pos, top, "does not\nfit", ha="center", va="bottom", fontsize=7,
                    color="#666", style="italic", linespacing=0.95)
        else:
            ax.text(pos, top, " does not fit", ha="center", va="bottom", fontsize=7,
                    color="#666", style="italic", rotation=90)


def category_ticks(ax, labels, slot_in, positions=None):
    ax.set_xticks(list(positions) if positions is not None else range(len(labels)))
    long = max((text_w_in(s, 9) for s in labels), default=0) > slot_in * 0.95
    ax.set_xticklabels(labels, rotation=30 if long else 0, ha="right" if long else "center")
    ax.tick_params(axis="x", length=0)


# ------------------------------------------------------------- chart types ----
def draw_bar(ax, rows, ctx, lay):
    ch, xs, series = ctx.ch, lay["xs"], ctx.series
    q, n = lay["qy"], len(ctx.series)
    width = 0.8 / n
    grid = cells(rows, (ch["x"], ch.get("series")), ch, ctx)
    bottom, top, stub_h, rot = lay["ylim"][0], lay["ylim"][1], lay["stub_h"], lay["rot"]
    stubs = []
    for i, xv in enumerate(xs):
        for j, sv in enumerate(series):
            r = grid.get((vtext(xv), vtext(sv) if ch.get("series") else None))
            if r is None:
                continue
            pos = i - 0.4 + width * (j + 0.5)
            y = q.of(r)
            if y is not None and ch.get("log_y") and y <= 0:
                y = None
            if y is None or (not fits(r) and y <= bottom):
                if not fits(r):
                    stubs.append(pos)
                else:
                    ax.text(pos, bottom, "n/a", ha="center", va="bottom", fontsize=7, color="#666")
                continue
            base = bottom if ch.get("log_y") else 0
            if fits(r):
                h = ax.bar(pos, y - base, width * 0.92, bottom=base, color=ctx.color(sv), zorder=2)
                if sv is not None:
                    ctx.add_legend(ctx.series_label(sv), h[0])
            else:  # a value that exists although the point does not fit (e.g. memory needed)
                ax.bar(pos, y - base, width * 0.92, bottom=base, color=ctx.color(sv), alpha=0.35,
                       hatch="///", edgecolor=NOFIT_EDGE, linewidth=0.6, zorder=2)
                ctx.add_legend("does not fit", nofit_patch())
            devs = ctx.bar_devices(sv, r) if fits(r) else ""
            ax.text(pos, y, (" " if rot else "") + compact(y) + (devs.replace("\n", " ") if rot else devs),
                    ha="center", va="bottom", fontsize=7.5, rotation=90 if rot else 0, zorder=3,
                    linespacing=0.95)
    if stubs:
        draw_stubs(ax, stubs, width * 0.92, bottom if ch.get("log_y") else 0, stub_h, lay["slot_in"])
        ctx.add_legend("does not fit", nofit_patch())
    ax.set_ylim(bottom, top)
    if ch.get("log_y"):
        ax.set_yscale("log")
        ax.set_ylim(bottom, top)
        setup_log_axis(ax.yaxis)
    if lay["empty"]:
        ax.set_yticks([])
    ax.set_xlim(-0.6, len(xs) - 0.4)
    category_ticks(ax, tick_texts(xs), lay["group_in"])
    ax.grid(axis="y", alpha=0.3)


def bar_layout(ctx, panel_w, panel_h):
    ch, rows = ctx.ch, ctx.rows
    qy = Quantity(ch["y"], [r.get(ch["y"]) for r in rows], ch.get("y_label"))
    vals = [qy.of(r) for r in rows if qy.of(r) is not None and (qy.of(r) > 0 or not ch.get("log_y"))]
    xs = ordered([r.get(ch["x"]) for r in rows])
    group_in = (panel_w - 1.0) / max(1, len(xs))
    slot_in = group_in * 0.8 / len(ctx.series)
    labels = [compact(v) for v in vals]
    rot = any(text_w_in(s, 7.5) > slot_in * 1.05 for s in labels)
    axis_h = panel_h - 1.1
    extra = 8 if ctx.shows_devices() else 0  # " ×1,148" under or after the value
    head_in = ((max((len(s) for s in labels), default=3) + extra) * 7.5 * 0.62 / 72 + 0.1) if rot else \
        (0.42 if extra else 0.25)
    head = min(0.45, head_in / axis_h)
    if ch.get("log_y"):
        pos = [v for v in vals if v > 0] or [1.0]
        lo, hi = log_limits(min(pos), max(pos), head, floor_ratio=4.0)
        stub_h = lo * (hi / lo) ** 0.04 - lo
    else:
        hi = max(vals + [0.0]) or 1.0
        lo, hi = 0.0, hi / (1 - head)
        stub_h = 0.03 * hi
    return {"qy": qy, "xs": xs, "ylim": (lo, hi), "stub_h": stub_h, "rot": rot, "empty": not vals,
            "slot_in": slot_in, "group_in": group_in}


def pareto_front(pts):
    """Points no other point beats on both axes: larger x and smaller y are better."""
    front, best_y = [], math.inf
    for x, y, _ in sorted(pts, key=lambda p: (-p[0], p[1])):
        if y < best_y:
            front.append((x, y))
            best_y = y
    return sorted(front)


def draw_pareto(ax, pts, ctx):
    front = pareto_front(pts)
    h, = ax.plot([p[0] for p in front], [p[1] for p in front], "--", color="#222", lw=1.2,
                 zorder=4, drawstyle="steps-post" if len(front) > 1 else "default")
    ax.scatter([p[0] for p in front], [p[1] for p in front], s=90, facecolor="none",
               edgecolor="#222", linewidth=1.0, zorder=4)
    ctx.add_legend("Pareto front", h)


def draw_xy(ax, rows, ctx, lay, kind):
    ch = ctx.ch
    qy, scol = lay["qy"], ch.get("series")
    # a line has one point per (x, series); a scatter plots every point
    source = list(cells(rows, (ch["x"], scol), ch, ctx).values()) if kind == "line" else rows
    missing = {}
    every_pt = []
    by_series = []
    for sv in ctx.series:
        pts = []
        for r in source:
            if scol and vtext(r.get(scol)) != vtext(sv):
                continue
            x = lay["xpos"](r)
            y = qy.of(r)
            if not fits(r) or x is None or y is None:
                missing.setdefault(series_text(scol, sv) if scol else "", []).append(r)
                continue
            pts.append((x, y, r))
        pts.sort(key=lambda p: p[0])
        every_pt.extend(pts)
        if pts:
            by_series.append((sv, pts))
    # Series with the same values would hide each other: draw them interleaved
    # (dashes of each colour in turn) under one legend entry naming them all.
    same_of = coinciding_series(by_series)
    for sv, pts in by_series:
        same = same_of[vtext(sv)]
        k, i = len(same), same.index(sv)
        xs_, ys_ = [p[0] for p in pts], [p[1] for p in pts]
        col = ctx.color(sv)
        style = dict(linestyle=(i * 5, (5, 5 * (k - 1)))) if k > 1 else dict(linestyle="-")
        if kind == "line":
            h, = ax.plot(xs_, ys_, marker="o", color=col, lw=2, ms=5, zorder=3 + (k - i) * 0.01,
                         **style)
        else:
            if ch.get("connect"):
                ax.plot(xs_, ys_, color=col, lw=1, alpha=0.5, zorder=2, **style)
            h = ax.scatter(xs_, ys_, s=42 if i == 0 else 0, color=col, edgecolor="white", linewidth=0.7, zorder=3)
        if i == 0:
            if k > 1:
                from matplotlib.lines import Line2D
                h = tuple(Line2D([], [], color=ctx.color(o), lw=2, marker="o" if kind == "line" else None,
                                 ms=5, linestyle=(j * 3, (3, 3 * (k - 1)))) for j, o in enumerate(same))
                label = " = ".join(series_text(scol, o) for o in same) + " (same values)"
            else:
                label = series_text(scol, sv) if scol else qy.label
            ctx.add_legend(label, h)
        if ch.get("label"):
            for x, y, r in pts:
                ax.annotate(vtext(r.get(ch["label"])), (x, y), xytext=(5, 4),
                            textcoords="offset points", fontsize=7, color="#444")
    if ch.get("pareto") and kind == "scatter" and every_pt:
        draw_pareto(ax, every_pt, ctx)
    for s, items in missing.items():
        where = describe_points(items, lay["id_cols"])
        ctx.missing.setdefault(lay["facet_text"], []).append("%s (%s)" % (s, where) if s else where)
    if ch.get("log_x") and lay["numeric_x"]:
        ax.set_xscale("log")
    if ch.get("log_y"):
        ax.set_yscale("log")
    if not lay["numeric_x"]:
        ax.set_xticks(range(len(lay["xcats"])))
        ax.set_xticklabels([vtext(v) for v in lay["xcats"]])
    ax.grid(alpha=0.3, which="major")


def coinciding_series(by_series, rel=0.005):
    """{series text: [series values drawn as one]}: series whose values agree within
    `rel` at every x they share (at least two) are grouped, in legend order."""
    parent = {vtext(sv): vtext(sv) for sv, _ in by_series}

    def root(k):
        while parent[k] != k:
            k = parent[k]
        return k
    maps = [(vtext(sv), {round(x, 9): y for x, y, _ in pts}) for sv, pts in by_series]
    for i, (a, ma) in enumerate(maps):
        for b, mb in maps[i + 1:]:
            shared = set(ma) & set(mb)
            if len(shared) >= 2 and all(abs(ma[x] - mb[x]) <= rel * max(abs(ma[x]), abs(mb[x]), 1e-300)
                                        for x in shared):
                parent[root(b)] = root(a)
    groups = {}
    for sv, _ in by_series:
        groups.setdefault(root(vtext(sv)), []).append(sv)
    return {vtext(sv): groups[root(vtext(sv))] for sv, _ in by_series}


def describe_points(rows, cols):
    """Short text naming points by their id columns: "batch 64, 256" or "batch 8/context 4096, ..."."""
    if not cols:
        return "%d point%s" % (len(rows), "s" if len(rows) != 1 else "")
    if len(cols) == 1:
        vals = ordered([r.get(cols[0]) for r in rows])
        unit = unit_suffix(vals)
        txt = ", ".join(vtext(to_number(v)) if unit else vtext(v) for v in vals)
        return "%s %s%s" % (short_name(cols[0]), txt, " " + unit if unit else "")
    return ", ".join("/".join("%s %s" % (short_name(c), vtext(r.get(c))) for c in cols) for r in rows)


def varying_params(rows, skip):
    return [c for c in sorted({k for r in rows for k in r if k in PARAMS or k.startswith("set.")})
            if c not in skip and len({vtext(r.get(c)) for r in rows}) > 1]


def xy_layout(ctx):
    ch, rows = ctx.ch, ctx.rows
    xvals = [r.get(ch["x"]) for r in rows]
    numeric_x = all(to_number(v) is not None for v in xvals if v is not None)
    qx = Quantity(ch["x"], xvals, ch.get("x_label"))
    qy = Quantity(ch["y"], [r.get(ch["y"]) for r in rows if fits(r)], ch.get("y_label"))
    xcats = ordered(xvals)
    if numeric_x:
        xpos = qx.of
    else:
        index = {vtext(v): i for i, v in enumerate(xcats)}
        xpos = lambda r: index.get(vtext(r.get(ch["x"])))  # noqa: E731
    if ch["type"] == "line":
        id_cols = [ch["x"]]
    elif ch.get("label"):
        id_cols = [ch["label"]]
    else:
        id_cols = varying_params(rows, (ch["x"], ch["y"], ch.get("series"), ch.get("facet")))
    return {"qx": qx, "qy": qy, "xpos": xpos, "numeric_x": numeric_x, "xcats": xcats, "id_cols": id_cols}


def finish_xy(axes, ctx, lay):
    ch = ctx.ch
    for ax in axes:
        if ax.get_xscale() == "log":
            xs = sorted({lay["xpos"](r) for r in ctx.rows if lay["xpos"](r)})
            setup_log_axis(ax.xaxis, xs if len(xs) <= 10 and ch["type"] == "line" else None)
        if ax.get_yscale() == "log":
            setup_log_axis(ax.yaxis)


def place_labels(ax, items, log=True):
    """Point labels that stay readable: points at (nearly) the same place share one
    label ("q_proj, o_proj"), and a label that would overlap one already placed moves
    down a line, or is dropped after a few tries (the legend note says so)."""
    clusters = {}
    for x, y, text, col in items:
        if not (x and y and x > 0 and y > 0):
            continue
        key = (round(math.log10(x) / 0.06), round(math.log10(y) / 0.06)) if log else (x, y)
        c = clusters.setdefault(key, [x, y, [], col])
        if text not in c[2]:
            c[2].append(text)
    # Measured boxes (display pixels): every text already on the axes (ridge labels)
    # and every label placed; a label goes right of its point, else left, else a line
    # up or down, and must stay inside the axes. One that finds no room is listed in
    # a footnote instead of drawn over another.
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    placed = [t.get_window_extent(renderer) for t in ax.texts]
    dropped = []
    for x, y, texts, col in sorted(clusters.values(), key=lambda c: -c[1]):
        text = ", ".join(texts) if len(texts) <= 3 else ", ".join(texts[:3]) + " +%d" % (len(texts) - 3)
        done = False
        for dx, dy in ((5, 3), (-5, 3), (5, -9), (-5, -9), (5, 12), (-5, 12), (5, -18), (-5, -18)):
            a = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=7,
                            color="#333", ha="left" if dx > 0 else "right")
            box = a.get_window_extent(renderer)
            inside = box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(o) for o in placed):
                placed.append(box)
                done = True
                break
            a.remove()
        if not done:
            dropped.append(text)
    return dropped


def draw_roofline(ax, rows, ctx, lay):
    import numpy as np
    ch = ctx.ch
    devs = ctx.spec.get("devices") or []
    # Only the roofs of devices these points ran on (when the spec says which systems use them).
    here = {vtext(r.get("system")) for r in rows}
    mine = [d for d in devs if not d.get("systems") or here & {vtext(s) for s in d["systems"]}]
    devs = mine or devs
    pts = [(to_number(r.get(lay["xcol"])), to_number(r.get(lay["ycol"])), r) for r in rows if fits(r)]
    pts = [p for p in pts if p[0] and p[1] and p[0] > 0 and p[1] > 0]
    xlo, xhi, ylo, yhi = lay["lims"]
    grid = np.logspace(math.log10(xlo), math.log10(xhi), 400)
    styles = ["-", "--", "-.", ":"]
    for k, d in enumerate(devs):
        peak, bw = to_number(d["peak_flops"]), to_number(d["memory_bandwidth"])
        col = ctx.colors.get(d["name"], "#555555")
        ls = styles[k % len(styles)] if d["name"] not in ctx.colors else "-"
        label = "%s roof: %s, %s %s" % (d["name"], si(peak, "FLOP/s"), d.get("memory_level", "memory"),
                                       si(bw, "B/s"))
        h, = ax.plot(grid, np.minimum(peak, bw * grid), ls, color=col, lw=1.8, alpha=0.85, zorder=2)
        ctx.add_legend(label, h)
        ridge = peak / bw
        ax.plot([ridge], [peak], "D", color=col, ms=5, zorder=4)
        ax.annotate("ridge %s FLOP/B" % compact(ridge), (ridge, peak), xytext=(4, -11),
                    textcoords="offset points", fontsize=7, color=col)
    scol = ch.get("series")
    for sv in ctx.series:
        mine = [p for p in pts if not scol or vtext(p[2].get(scol)) == vtext(sv)]
        if not mine:
            continue
        h = ax.scatter([p[0] for p in mine], [p[1] for p in mine], s=40, color=ctx.color(sv),
                       edgecolor="black", linewidth=0.6, zorder=5)
        ctx.add_legend(series_text(scol, sv) if scol else "points", h)
        if ch.get("label"):
            ctx.labels.extend((x, y, vtext(r.get(ch["label"])), ctx.color(sv)) for x, y, r in mine)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(xlo, xhi)
    ax.set_ylim(ylo, yhi)
    # Labels are placed once the figure has its final layout (render_chart).
    lay.setdefault("label_jobs", []).append((ax, ctx.labels))
    ctx.labels = []
    setup_log_axis(ax.xaxis)
    setup_log_axis(ax.yaxis)
    ax.grid(alpha=0.3, which="major")
    note = ("Roof = min(peak FLOP/s, memory bandwidth × intensity): left of the ridge ◆ a kernel is "
            "memory-bound, right of it compute-bound.")
    if devs and note not in ctx.notes:
        ctx.notes.append(note)


def roofline_layout(ctx):
    ch = ctx.ch
    xcol, ycol = ch.get("x") or "arithmetic_intensity", ch.get("y") or "achieved_flops"
    xs, ys = [], []
    for r in ctx.rows:
        x, y = to_number(r.get(xcol)), to_number(r.get(ycol))
        if fits(r) and x and y and x > 0 and y > 0:
            xs.append(x)
            ys.append(y)
    for d in ctx.spec.get("devices") or []:
        peak, bw = to_number(d["peak_flops"]), to_number(d["memory_bandwidth"])
        xs.append(peak / bw)
        ys.append(peak)
    if not xs:
        xs, ys = [1.0, 100.0], [1e12, 1e15]
    xlo, xhi = log_limits(min(xs) / 2, max(xs) * 4)
    ylo, yhi = log_limits(min(ys) / 2, max(ys) * 2)
    return {"xcol": xcol, "ycol": ycol, "lims": (xlo, xhi, ylo, yhi),
            "qx": Quantity(xcol, [], ch.get("x_label")),
            "qy": Quantity(ycol, [], ch.get("y_label") or "FLOP/s per device (attained)")}


def part_value(r, part):
    v = r.get("time_s." + part)
    if v is None and isinstance(r.get("time_s"), dict):
        v = r["time_s"].get(part)
    return to_number(v) or 0.0


def draw_breakdown(ax, rows, ctx, lay):
    ch = ctx.ch
    scol, norm = ch.get("series"), lay["normalize"]
    grid = cells(rows, (ch["x"], scol), ch, ctx)
    pos_list, labels, groups, stubs, p = [], [], [], [], 0.0
    for xv in lay["xs"]:
        start = p
        for sv in ctx.series:
            r = grid.get((vtext(xv), vtext(sv) if scol else None))
            if r is None and scol:
                continue
            pos_list.append((p, r))
            label = series_text(scol, sv) if scol else vtext(xv)
            if r is not None and ctx.shows_devices() and to_number(r.get("devices")):
                label += " ×{:,}".format(int(to_number(r.get("devices"))))
            labels.append(label)
            p += 1
        if scol and p > start:
            groups.append(((start + p - 1) / 2, vtext(xv)))
            p += 0.6
    width = 0.75
    top = lay["ylim"][1]
    for pos, r in pos_list:
        if r is None:
            continue
        if not fits(r):
            stubs.append(pos)
            continue
        vals = {k: part_value(r, k) for k in PARTS}
        total = sum(vals.values())
        if total <= 0:
            ax.text(pos, 0, "n/a", ha="center", va="bottom", fontsize=7, color="#666")
            continue
        base = 0.0
        for k in PARTS:
            h = vals[k] / total * 100 if norm else vals[k] * lay["scale"]
            if h <= 0:
                continue
            b = ax.bar(pos, h, width, bottom=base, color=PART_COLORS.get(k, "#999999"), edgecolor="white",
                       linewidth=0.5, zorder=2)
            ctx.add_legend(PART_MEANING[k], b[0])
            if norm and h >= 9 and lay["slot_in"] >= 0.28:
                ax.text(pos, base + h / 2, "%.0f%%" % h, ha="center", va="center", fontsize=6.5,
                        color="white", zorder=3)
            base += h
        bound = r.get("bound") or max(vals, key=vals.get)
        ttl = "%s %s" % (compact(total * lay["scale"]), lay["unit"])
        txt = "%s\n%s" % (bound, ttl) if not lay["rot"] else " %s · %s" % (bound, ttl)
        ax.text(pos, base + top * 0.01, txt, ha="center", va="bottom", fontsize=7, zorder=3,
                rotation=90 if lay["rot"] else 0, color=PART_COLORS.get(bound, "#333"),
                fontweight="bold", linespacing=1.0)
    if stubs:
        draw_stubs(ax, stubs, width, 0, top * 0.03, lay["slot_in"])
        ctx.add_legend("does not fit", nofit_patch())
    ax.set_xlim(-0.7, max(p - (0.6 if scol else 0), 1) - 0.3)
    ax.set_ylim(0, top)
    category_ticks(ax, labels, lay["slot_in"], [q for q, _ in pos_list])
    if groups:
        lay.setdefault("group_axes", []).append((ax, groups))
    ax.grid(axis="y", alpha=0.3)
    if norm:
        ax.set_yticks([0, 25, 50, 75, 100])


def breakdown_layout(ctx, panel_w, panel_h):
    ch, rows = ctx.ch, ctx.rows
    norm = ch.get("normalize", True)
    xs = ordered([r.get(ch["x"]) for r in rows])
    totals = [sum(part_value(r, k) for k in PARTS) for r in rows if fits(r)]
    q = Quantity("time_s.total", totals)
    unit = q.label.split("(")[-1].rstrip(")")
    nslots = len(xs) * len(ctx.series) + (0.6 * len(xs) if ch.get("series") else 0)
    slot_in = (panel_w - 1.0) / max(1, nslots)
    longest = max((len(r.get("bound") or "interconnect") for r in rows if fits(r)), default=6)
    longest_t = max((len(compact(t * q.scale)) for t in totals), default=3) + len(unit) + 1
    rot = max(longest, longest_t) * 7 * 0.68 / 72 > slot_in * 0.92
    head_in = ((longest + longest_t + 3) * 7 * 0.55 / 72 + 0.05) if rot else 0.36
    head = min(0.5, head_in / (panel_h - 1.2))
    peak = 100.0 if norm else max([t * q.scale for t in totals] + [1e-9])
    return {"normalize": norm, "xs": xs, "scale": q.scale, "unit": unit, "slot_in": slot_in,
            "rot": rot, "ylim": (0, peak / (1 - head)),
            "qy": Quantity("share", [], ch.get("y_label") or "share of step time (%)") if norm
            else Quantity("time", [], ch.get("y_label") or "time per step (%s)" % unit)}


def place_group_labels(fig, lay, xlabel):
    """Second row of x labels (the x value) under the per-series tick labels."""
    fig.canvas.draw()
    for ax, groups in lay.get("group_axes", []):
        ext = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
        pad_pt = (max((e.height for e in ext), default=10) * 72.0 / fig.dpi) + 6
        sec = ax.secondary_xaxis("bottom")
        sec.set_xticks([g[0] for g in groups])
        sec.set_xticklabels([g[1] for g in groups], fontweight="bold")
        sec.tick_params(axis="x", length=0, pad=pad_pt)
        sec.spines["bottom"].set_visible(False)
        sec.set_xlabel(xlabel)


def draw_heatmap(ax, rows, ctx, lay):
    from matplotlib.patches import Rectangle
    ch = ctx.ch
    xs, ys, qz = lay["xs"], lay["ys"], lay["qz"]
    lay["norm"] = lay["norm_of"](rows)
    grid = cells(rows, (ch["x"], ch["y"]), ch, ctx)
    import numpy as np
    z = np.full((len(ys), len(xs)), np.nan)
    for (xk, yk), r in grid.items():
        i, j = lay["yidx"][yk], lay["xidx"][xk]
        v = qz.of(r)
        if not fits(r):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=NOFIT_FACE, edgecolor="white",
                                   hatch="///", linewidth=0))
            ax.text(j, i, "×", ha="center", va="center", fontsize=14, color="#777")
            lay["nofit"] = True
        elif v is None:
            ax.text(j, i, "n/a", ha="center", va="center", fontsize=7, color="#777")
        else:
            z[i, j] = v
    im = ax.imshow(np.ma.masked_invalid(z), cmap="viridis", norm=lay["norm"], aspect="auto",
                   origin="lower", interpolation="nearest", zorder=1)
    for i in range(len(ys)):
        for j in range(len(xs)):
            if not math.isnan(z[i, j]):
                light = lay["norm"](z[i, j]) < 0.55
                v = z[i, j]
                lo, hi = lay["norm"].vmin, lay["norm"].vmax
                # Within a narrow scale "1.7k" would hide the differences the colours show.
                text = "{:,.0f}".format(v) if lo > 0 and hi / lo < 3 and 100 <= abs(v) < 1e5 else compact(v)
                ax.text(j, i, text, ha="center", va="center", fontsize=lay["fs"],
                        color="white" if light else "black")
    ax.set_xticks(range(len(xs)))
    ax.set_xticklabels(tick_texts(xs))
    ax.set_yticks(range(len(ys)))
    ax.set_yticklabels(tick_texts(ys))
    ax.set_xlim(-0.5, len(xs) - 0.5)
    ax.set_ylim(-0.5, len(ys) - 0.5)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    lay["im"] = im
    if not np.all(np.isnan(z)):
        lay.setdefault("panels", []).append((ax, im))


def heatmap_layout(ctx, panel_w, panel_h):
    from matplotlib.colors import LogNorm, Normalize
    ch, rows = ctx.ch, ctx.rows
    xs, ys = ordered([r.get(ch["x"]) for r in rows]), ordered([r.get(ch["y"]) for r in rows])
    if not all(to_number(v) is not None for v in ys):
        ys = ys[::-1]  # names: first appearance at the top
    qz = Quantity(ch["z"], [r.get(ch["z"]) for r in rows if fits(r)], ch.get("z_label"))
    vals = [qz.of(r) for r in rows if fits(r) and qz.of(r) is not None]

    def norm_of(panel_rows):
        """Each panel its own colour scale: panels can differ 10x (A-351)."""
        vs = [qz.of(r) for r in panel_rows if fits(r) and qz.of(r) is not None]
        pos = [v for v in vs if v > 0]
        use_log = ch.get("log_z")
        if use_log is None:
            use_log = bool(pos) and len(pos) == len(vs) and max(pos) / min(pos) > 50
        if use_log and pos:
            return LogNorm(min(pos), max(pos) if max(pos) > min(pos) else min(pos) * 1.001)
        lo, hi = (min(vs), max(vs)) if vs else (0, 1)
        if hi - lo <= 0.02 * max(abs(hi), abs(lo), 1e-300):  # one value (or nearly): a readable +-10% scale
            mid = (hi + lo) / 2
            lo, hi = mid - 0.1 * (abs(mid) or 1), mid + 0.1 * (abs(mid) or 1)
        return Normalize(lo, hi)
    norm = norm_of(rows)
    cell_w = (panel_w - 1.6) / max(1, len(xs))
    cell_h = (panel_h - 1.2) / max(1, len(ys))
    fs = max(6.0, min(9.5, cell_h * 72 * 0.4, cell_w * 72 / (5 * 0.62)))
    return {"xs": xs, "ys": ys, "qz": qz, "norm": norm, "norm_of": norm_of, "fs": fs, "has_values": bool(vals),
            "xidx": {vtext(v): i for i, v in enumerate(xs)}, "yidx": {vtext(v): i for i, v in enumerate(ys)},
            "qx": Quantity(ch["x"], [r.get(ch["x"]) for r in rows], ch.get("x_label")),
            "qy": Quantity(ch["y"], [r.get(ch["y"]) for r in rows], ch.get("y_label"))}


# ------------------------------------------------------------- figure ----
def hidden_axes(rows, ch):
    """Grid parameters that vary among points drawn in one place (one bar, one line
    point, one heatmap cell): [(column, values)], in PARAMS order. Charts that plot
    every point (scatter, roofline) hide none."""
    if ch["type"] in ("scatter", "roofline"):
        return []
    keys = [ch.get("x"), ch.get("series"), ch.get("facet")] + ([ch.get("y")] if ch["type"] == "heatmap" else [])
    keys = [k for k in keys if k]
    candidates = [c for c in sorted({k for r in rows for k in r if k in PARAMS or k.startswith("set.")},
                                    key=lambda c: (PARAMS.index(c) if c in PARAMS else len(PARAMS), c))
                  if c not in keys]
    cellvals = {}
    for r in rows:
        cell = tuple(vtext(r.get(k)) for k in keys)
        for c in candidates:
            cellvals.setdefault((c, cell), set()).add(vtext(r.get(c)))
    out = []
    for c in candidates:
        if any(len(v) > 1 for (col, _), v in cellvals.items() if col == c):
            out.append((c, ordered([r.get(c) for r in rows])))
    return out


def show_every_axis(ch, rows):
    """Every grid axis the chart's x, series and facet do not show: the first becomes
    the facet (one panel per value) when the chart has none; the others are fixed at
    their first value, which a footnote says. Returns (chart, rows, notes)."""
    notes = []
    extra = hidden_axes(rows, ch)
    if extra and not ch.get("facet"):
        ch = dict(ch, facet=extra[0][0])
        notes.append("One panel per %s (a grid axis the chart does not otherwise show)." % short_name(extra[0][0]))
        extra = hidden_axes(rows, ch)
    for col, vals in extra:
        rows = [r for r in rows if vtext(r.get(col)) == vtext(vals[0])]
        notes.append("Shown: %s = %s only; results.csv also has %s." % (
            short_name(col), vtext(vals[0]), ", ".join(vtext(v) for v in vals[1:])))
    return ch, rows, notes


def render_chart(spec, ch, all_rows, palettes, out_dir):
    import matplotlib.pyplot as plt
    rows = select(all_rows, ch.get("filter"))
    ch, rows, axis_notes = show_every_axis(ch, rows)
    ctx = Ctx(spec, ch, rows, palettes)
    ctx.notes.extend(axis_notes)
    t = ch["type"]
    fcol = ch.get("facet")
    facets = ordered([r.get(fcol) for r in rows], numeric_sort=True) if fcol else [None]
    if fcol:
        facets.sort(key=natural_key)
    n = len(facets)
    base_w = {"bar": 7.0, "breakdown": 7.5, "heatmap": 6.0, "roofline": 7.5}.get(t, 6.0)
    panel_w = base_w if n == 1 else base_w * 0.8
    if t in ("bar", "breakdown"):
        xs = len(ordered([r.get(ch["x"]) for r in rows]))
        slots = xs * len(ctx.series) + (0.6 * xs if t == "breakdown" and ch.get("series") else 0)
        panel_w = max(panel_w, min(14.0, 1.2 + (0.42 if t == "breakdown" else 0.32) * slots))
    ncols = min(n, 1 if panel_w > 7.2 else 2 if t in ("bar", "breakdown", "heatmap") else 3)
    nrows = int(math.ceil(n / float(ncols)))
    panel_h = (5.0 if t == "breakdown" else 4.4) if t != "heatmap" else max(3.0, 1.6 + 0.45 * len(ordered([r.get(ch["y"]) for r in rows])))

    if t == "bar":
        lay = bar_layout(ctx, panel_w, panel_h)
    elif t in ("line", "scatter"):
        lay = xy_layout(ctx)
    elif t == "roofline":
        lay = roofline_layout(ctx)
    elif t == "breakdown":
        lay = breakdown_layout(ctx, panel_w, panel_h)
    else:
        lay = heatmap_layout(ctx, panel_w, panel_h)

    title = ch.get("title") or spec.get("title") or spec.get("scenario") or ch["name"]
    sub = [s for s in (spec.get("title") if ch.get("title") and spec.get("title") != title else None,
                       spec.get("subtitle")) if s]
    flt = ch.get("filter") or {}
    if flt:
        sub.append("only " + ", ".join("%s = %s" % (short_name(k), "/".join(vtext(x) for x in v)
                                                      if isinstance(v, list) else vtext(v))
                                       for k, v in flt.items()))
    fig_w = panel_w * ncols
    wrap = max(40, int(fig_w * 72 / (9 * 0.55)))
    sub_lines = textwrap.wrap(" · ".join(sub), wrap) if sub else []
    header = 0.42 + 0.2 * len(sub_lines)
    fig = plt.figure(figsize=(fig_w, panel_h * nrows + header), dpi=150, layout="constrained")
    axes_grid = fig.subplots(nrows, ncols, squeeze=False,
                             sharex=t in ("line", "scatter", "roofline"),
                             sharey=t in ("line", "scatter", "roofline"))
    axes = [a for rowax in axes_grid for a in rowax]
    for a in axes[n:]:
        a.set_visible(False)
    axes = axes[:n]
    for ax, fv in zip(axes, facets):
        frows = [r for r in rows if not fcol or vtext(r.get(fcol)) == vtext(fv)]
        lay["facet_text"] = series_text(fcol, fv) if fcol else ""
        if not frows:
            print("render.py: warning: chart '%s': no results match (check \"filter\")" % ch["name"],
                  file=sys.stderr)
            ax.text(0.5, 0.5, "no results match this chart", transform=ax.transAxes, ha="center",
                    va="center", color="#777", fontsize=11)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        if t == "bar":
            draw_bar(ax, frows, ctx, lay)
        elif t in ("line", "scatter"):
            draw_xy(ax, frows, ctx, lay, t)
        elif t == "roofline":
            draw_roofline(ax, frows, ctx, lay)
        elif t == "breakdown":
            draw_breakdown(ax, frows, ctx, lay)
        else:
            draw_heatmap(ax, frows, ctx, lay)
        if t in ("line", "scatter", "roofline") and not ax.collections and \
                not any(len(line.get_xdata()) for line in ax.lines if line.get_marker() == "o"):
            ax.text(0.5, 0.5, "no point fits in memory", transform=ax.transAxes, ha="center",
                    va="center", color="#777", fontsize=11)
        if t == "breakdown" and not any(fits(r) for r in frows):
            ax.set_yticks([])
        if fcol:
            ax.set_title(lay["facet_text"], fontsize=10.5, fontweight="bold")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    if t in ("line", "scatter"):
        finish_xy(axes, ctx, lay)
    for k, ax in enumerate(axes):
        first_col, last_row = k % ncols == 0, k >= n - ncols
        if t == "breakdown":
            if last_row and not ch.get("series"):
                ax.set_xlabel(ch.get("x_label") or Quantity(ch["x"], [r.get(ch["x"]) for r in rows]).label)
        elif last_row or t == "heatmap":
            qx = lay.get("qx") or Quantity(ch["x"], [r.get(ch["x"]) for r in rows])
            ax.set_xlabel(ch.get("x_label") or qx.label)
        if first_col:
            ax.set_ylabel(lay["qy"].label)
    if t == "heatmap" and "im" in lay and lay["has_values"]:
        for ax, im in lay.get("panels", []):  # one scale per panel
            cb = fig.colorbar(im, ax=ax, shrink=0.9, pad=0.02)
            cb.set_label(lay["qz"].label, fontsize=8)
            if cb.ax.get_yscale() == "log":
                setup_log_axis(cb.ax.yaxis)
            else:
                from matplotlib import ticker
                lo, hi = im.norm.vmin, im.norm.vmax
                narrow = lo > 0 and hi / lo < 3  # compact() would print 1.6k twice
                cb.ax.yaxis.set_major_locator(ticker.MaxNLocator(6))
                cb.ax.yaxis.set_major_formatter(ticker.FuncFormatter(
                    lambda v, _, narrow=narrow: ("{:,.0f}".format(v) if abs(v) >= 100 else "%.3g" % v)
                    if narrow else compact(v)))
        if len(lay.get("panels", [])) > 1:
            ctx.notes.append("Each panel has its own colour scale.")
        if lay.get("nofit"):
            ctx.notes.append("grey × = this configuration does not fit in memory")
    if t in ("line", "scatter") and not ch.get("series"):
        ctx.legend.clear()

    notes = list(ctx.notes)
    if ch.get("label") and t in ("scatter", "roofline"):
        notes.append("Point labels: " + Quantity(ch["label"], []).label)
    if ctx.missing:
        notes.append("Not plotted (does not fit in memory, or no value):")
        for facet, items in ctx.missing.items():
            notes.append(("    %s: " % facet if facet else "    ") + ", ".join(items))
    note_lines = [line for s in notes for line in textwrap.wrap(s, wrap + 10, subsequent_indent="        ")]
    label_jobs = [job for job in lay.get("label_jobs", []) if job[1]]
    footer = 0.1 + 0.17 * (len(note_lines) + (1 if label_jobs else 0))
    H = panel_h * nrows + header + footer
    fig.set_size_inches(fig_w, H)
    fig.get_layout_engine().set(rect=(0, footer / H, 1, 1 - (header + footer) / H))
    if ctx.legend:
        title_l = short_name(ch["series"]) if ch.get("series") else None
        if t == "breakdown":
            title_l = "time spent in"
        elif t == "roofline":
            title_l = "points: %s · lines: device roofs" % (title_l or "results")
        handles, labels = ctx.legend_items()
        fig.legend(handles, labels, loc="upper left",
                   bbox_to_anchor=(1.0, 1.0 - header / H), frameon=False,
                   title=title_l, fontsize=8.5, title_fontsize=9, alignment="left")
    fig.text(0.01, 1 - 0.1 / H, title, fontsize=13, fontweight="bold", va="top", ha="left")
    for i, line in enumerate(sub_lines):
        fig.text(0.01, 1 - (0.42 + 0.2 * i) / H, line, fontsize=9, color="#555", va="top", ha="left")
    for i, line in enumerate(note_lines):
        fig.text(0.01, (footer - 0.06 - 0.17 * i) / H, line, fontsize=7.5, color="#555", va="top",
                 ha="left", style="italic")
    if t == "breakdown":
        place_group_labels(fig, lay, ch.get("x_label") or Quantity(ch["x"], [r.get(ch["x"]) for r in rows]).label)
    if label_jobs:
        # Point labels need the final axes: lay out once, freeze, then measure.
        fig.canvas.draw()
        fig.set_layout_engine("none")
        dropped = [text for ax, items in label_jobs for text in place_labels(ax, items)]
        if dropped:
            line = "Not labelled (no room beside the point): " + "; ".join(dropped)
            fig.text(0.01, (footer - 0.06 - 0.17 * len(note_lines)) / H, textwrap.shorten(line, wrap + 40),
                     fontsize=7.5, color="#555", va="top", ha="left", style="italic")
    for ext in ("png", "svg"):
        save_atomic(fig, os.path.join(out_dir, "%s.%s" % (ch["name"], ext)), ext)
    plt.close(fig)


def save_atomic(fig, path, fmt):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, format=fmt, dpi=150, bbox_inches="tight", pad_inches=0.15,
                        facecolor="white")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def setup_matplotlib():
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError("matplotlib is not installed for %s; run this script with /usr/bin/python3"
                           % sys.executable)
    matplotlib.use("Agg")
    matplotlib.rcParams.update({
        "font.size": 9.5, "axes.titlesize": 10.5, "axes.labelsize": 9.5, "axes.axisbelow": True,
        "xtick.labelsize": 8.5, "ytick.labelsize": 8.5, "legend.fontsize": 8.5,
        "svg.fonttype": "none", "hatch.linewidth": 0.6, "axes.edgecolor": "#444",
        "figure.constrained_layout.w_pad": 0.06, "figure.constrained_layout.h_pad": 0.06,
    })


class _ArgParser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 1; exit 2 is reserved for spec errors
        self.print_usage(sys.stderr)
        print("render.py: error: %s" % message, file=sys.stderr)
        sys.exit(1)


def main(argv=None):
    ap = _ArgParser(description="Render wafersim scenario charts.")
    ap.add_argument("--spec")
    ap.add_argument("--results")
    ap.add_argument("--out-dir")
    ap.add_argument("--check-spec", metavar="SPEC")
    ap.add_argument("--columns", help="comma-separated available columns (with --check-spec)")
    args = ap.parse_args(argv)
    try:
        if args.check_spec:
            if args.columns is None:
                raise RuntimeError("--check-spec needs --columns")
            cols = {c.strip() for c in args.columns.split(",") if c.strip()}
            validate_spec(load_json(args.check_spec, "spec"), cols)
            return 0
        if not (args.spec and args.results and args.out_dir):
            ap.print_usage(sys.stderr)
            raise RuntimeError("need --spec, --results and --out-dir (or --check-spec, --columns)")
        spec = load_json(args.spec, "spec")
        rows = load_results(args.results)
        cols = set()
        for r in rows:
            cols.update(r)
        op_rows, op_cols = None, None
        if spec.get("ops_results"):
            op_rows = load_results(spec["ops_results"])
            op_cols = set()
            for r in op_rows:
                op_cols.update(r)
        validate_spec(spec, cols, op_cols)
        use_result_fields(spec, rows)
        setup_matplotlib()
        os.makedirs(args.out_dir, exist_ok=True)
        palettes = build_palettes(spec, rows + (op_rows or []))
        for ch in spec["charts"]:
            try:
                render_chart(spec, ch, op_rows if ch.get("points") == "ops" else rows, palettes, args.out_dir)
            except Exception as err:
                raise RuntimeError("chart '%s': %s: %s" % (ch["name"], type(err).__name__, err)) from err
        return 0
    except SpecError as err:
        print("render.py: error: %s" % err, file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 - report, exit 1
        print("render.py: error: %s" % err, file=sys.stderr)
        if os.environ.get("WAFERSIM_RENDER_DEBUG"):
            raise
        return 1


# ------------------------------------------------------- serving charts ----
# Chart types for `phase: serve` points (sim/serving): added beside the step charts
# above, which they leave untouched; chart_columns and render_chart dispatch here.
SERVING_CHART_TYPES = ("latency_load", "slo_attainment", "capacity", "cost_at_slo")
CHART_TYPES = CHART_TYPES + SERVING_CHART_TYPES
LABELS.update({
    "rate": ("offered load (requests/s)", None),
    "request_rate": ("offered load (requests/s)", None),
    "slo_attainment": ("requests meeting the SLO (%)", None),
    "capacity_users": ("users served at once", None),
    "capacity_requests_per_s": ("capacity (requests/s)", None),
    "capacity_tokens_per_s": ("capacity (output tokens/s)", None),
    "capacity_cost_per_million_tokens": ("cost per million output tokens at capacity (US$)", None),
    "throughput_tokens_per_s": ("throughput (output tokens/s)", None),
    "slo_tpot": ("SLO on p99 time per output token", None),
})
_step_chart_columns = chart_columns
_step_render_chart = render_chart


def chart_columns(ch):  # noqa: F811 - extends the step version with the serving types
    if ch.get("type") == "latency_load":
        cols = [("x", ch.get("x"))] + [("y", c) for c in
                                       ("ttft_s.p50", "ttft_s.p99", "tpot_s.p50", "tpot_s.p99")]
        for role in ("series", "facet"):
            if ch.get(role):
                cols.append((role, ch[role]))
        return cols + [("filter", c) for c in (ch.get("filter") or {})]
    return _step_chart_columns(ch)


def render_chart(spec, ch, all_rows, palettes, out_dir):  # noqa: F811
    if ch["type"] not in SERVING_CHART_TYPES:
        return _step_render_chart(spec, ch, all_rows, palettes, out_dir)
    import matplotlib.pyplot as plt
    rows = select(all_rows, ch.get("filter"))
    scol = ch.get("series")
    series = ordered([r.get(scol) for r in rows]) if scol else [None]
    colors = palettes.get(scol, {}) if scol else {}

    def color(v):
        return colors.get(vtext(v), PALETTE[0])

    def label(v):
        return series_text(scol, v) if scol else None

    draw = {"latency_load": _draw_latency_load, "slo_attainment": _draw_slo_attainment,
            "capacity": _draw_serving_bars, "cost_at_slo": _draw_serving_bars}[ch["type"]]
    fig = draw(plt, ch, rows, series, scol, color, label)
    title = ch.get("title") or spec.get("title") or ch["name"]
    sub = spec.get("subtitle")
    fig.suptitle(title + ("\n" + sub if sub else ""), fontsize=10.5)
    for fmt in ("png", "svg"):
        save_atomic(fig, os.path.join(out_dir, "%s.%s" % (ch["name"], fmt)), fmt)
    plt.close(fig)


def _series_rows(rows, scol, v, xcol):
    pts = [r for r in rows if (scol is None or vtext(r.get(scol)) == vtext(v)) and fits(r)
           and to_number(r.get(xcol)) is not None]
    return sorted(pts, key=lambda r: to_number(r.get(xcol)))


def _draw_latency_load(plt, ch, rows, series, scol, color, label):
    """p50 (solid) and p99 (dashed) TTFT and TPOT against offered load, one line per series."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), constrained_layout=True)
    xcol = ch["x"]
    for ax, metric, name in ((axes[0], "ttft_s", "time to first token"),
                             (axes[1], "tpot_s", "time per output token")):
        values = [to_number(r.get(metric + ".p99")) for r in rows]
        q = Quantity(metric, [v for v in values if v is not None])
        for v in series:
            pts = _series_rows(rows, scol, v, xcol)
            xs = [to_number(r.get(xcol)) for r in pts]
            for pct, style in (("p50", "-"), ("p99", "--")):
                ys = [q.of({metric: r.get(metric + "." + pct)}) for r in pts]
                ax.plot(xs, ys, style, marker="o", ms=3.5, color=color(v),
                        label=("%s %s" % (label(v), pct)) if label(v) else pct)
        ax.set_yscale("log")
        ax.set_xlabel(ch.get("x_label") or Quantity(xcol, []).label)
        ax.set_ylabel("%s (%s)" % (name, q.label.split("(")[-1].rstrip(")")))
        ax.grid(True, which="major", alpha=0.3)
        ax.set_title("%s: p50 solid, p99 dashed" % name, fontsize=9.5)
    axes[1].legend(loc="upper left", fontsize=7.5, ncol=1 if len(series) < 5 else 2)
    return fig


def _draw_slo_attainment(plt, ch, rows, series, scol, color, label):
    fig, ax = plt.subplots(figsize=(7, 4.4), constrained_layout=True)
    xcol, ycol = ch["x"], ch["y"]
    for v in series:
        pts = _series_rows(rows, scol, v, xcol)
        ax.plot([to_number(r.get(xcol)) for r in pts], [100 * (to_number(r.get(ycol)) or 0) for r in pts],
                marker="o", ms=3.5, color=color(v), label=label(v))
    ax.axhline(99, color="#888", lw=0.8, ls=":")
    ax.text(ax.get_xlim()[0], 99, " 99%", va="bottom", fontsize=7.5, color="#666")
    ax.set_ylim(0, 104)
    ax.set_xlabel(ch.get("x_label") or Quantity(xcol, []).label)
    ax.set_ylabel(ch.get("y_label") or Quantity(ycol, []).label)
    ax.grid(True, alpha=0.3)
    if scol:
        ax.legend(fontsize=8)
    return fig


def _draw_serving_bars(plt, ch, rows, series, scol, color, label):
    """Grouped bars per x category; a point that cannot meet its SLO is marked, not dropped."""
    fig, ax = plt.subplots(figsize=(8, 4.6), constrained_layout=True)
    xcol, ycol = ch["x"], ch["y"]
    cats = ordered([r.get(xcol) for r in rows], numeric_sort=False)
    width = 0.8 / max(1, len(series))
    q = Quantity(ycol, [r.get(ycol) for r in rows])
    peak = max([q.of(r) or 0 for r in rows] + [1e-12])
    log = bool(ch.get("log_y"))
    for j, v in enumerate(series):
        for i, c in enumerate(cats):
            match = [r for r in rows if vtext(r.get(xcol)) == vtext(c)
                     and (scol is None or vtext(r.get(scol)) == vtext(v))]
            if not match:
                continue
            r = match[0]
            x = i - 0.4 + width * (j + 0.5)
            y = q.of(r) if fits(r) else None
            if y is None or y <= 0:
                ax.bar(x, peak * (0.02 if not log else 0), width * 0.9, color=NOFIT_FACE, edgecolor=NOFIT_EDGE)
                ax.text(x, peak * 0.03 if not log else 1, "misses\nSLO" if fits(r) else "does\nnot fit",
                        ha="center", va="bottom", fontsize=6.5, color="#555")
                continue
            ax.bar(x, y, width * 0.9, color=color(v), label=label(v) if i == 0 or not ax.get_legend_handles_labels()[1].count(label(v)) else None)
            ax.text(x, y, compact(y), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(cats)))
    ax.set_xticklabels([vtext(c) for c in cats])
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(ch.get("x_label") or Quantity(xcol, []).label)
    ax.set_ylabel(ch.get("y_label") or q.label)
    ax.grid(True, axis="y", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if scol and labels:
        seen = {}
        for h, l in zip(handles, labels):
            seen.setdefault(l, h)
        ax.legend(list(seen.values()), list(seen.keys()), fontsize=8)
    return fig


if __name__ == "__main__":
    sys.exit(main())
