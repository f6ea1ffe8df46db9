#!/usr/bin/env python3
"""Smoke test for charts/render.py (no shell needed; exit 0 = pass).

Renders the sample specs in tests/data/charts into a temp dir and checks that
every chart's PNG and SVG exist and are non-empty, that nothing half-written is
left behind, and that spec errors exit 2 naming the missing column.

The renderer runs under $WAFERSIM_PYTHON, else /usr/bin/python3 (Debian's,
which has matplotlib), else this interpreter.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RENDER = os.path.join(ROOT, "charts", "render.py")
DATA = os.path.join(ROOT, "tests", "data", "charts")
SAMPLES = (("sample_spec.json", "sample_results.json"), ("sweep_spec.json", "sweep_results.json"))


def python():
    env = os.environ.get("WAFERSIM_PYTHON")
    if env:
        return env
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def run(*args):
    proc = subprocess.run([python(), RENDER] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=300)
    return proc.returncode, proc.stderr


def load(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as fh:
        return json.load(fh)


class RenderCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="render_check.")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, obj):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(obj, fh)
        return path

    def test_samples_render(self):
        for spec_name, results_name in SAMPLES:
            out = os.path.join(self.dir, spec_name + ".out")
            rc, err = run("--spec", os.path.join(DATA, spec_name),
                          "--results", os.path.join(DATA, results_name), "--out-dir", out)
            self.assertEqual(rc, 0, "%s failed: %s" % (spec_name, err))
            charts = load(spec_name)["charts"]
            types = {c["type"] for c in charts}
            expected = set()
            for chart in charts:
                for ext, magic in (("png", b"\x89PNG"), ("svg", b"<svg")):
                    path = os.path.join(out, "%s.%s" % (chart["name"], ext))
                    expected.add(os.path.basename(path))
                    self.assertTrue(os.path.isfile(path), "missing " + path)
                    self.assertGreater(os.path.getsize(path), 1000, "tiny " + path)
                    with open(path, "rb") as fh:
                        head = fh.read(4096)
                    self.assertIn(magic, head, "bad %s file %s" % (ext, path))
            self.assertEqual(set(os.listdir(out)), expected, "unexpected or temp files left")
            if spec_name == "sample_spec.json":
                self.assertEqual(types, {"bar", "line", "scatter", "roofline", "breakdown", "heatmap"})

    def test_flattened_results_render(self):
        rows = load("sample_results.json")
        flat = []
        for r in rows:
            f = dict(r)
            for key in ("time_s", "memory_bytes"):
                for k, v in (f.pop(key) or {}).items():
                    f[key + "." + k] = v
            flat.append(f)
        spec = {"title": "t", "subtitle": "s", "charts": [
            {"name": "bd", "type": "breakdown", "x": "system", "filter": {"batch": 1},
             "series": "model"}]}
        spec_path = self.write("spec.json", spec)
        rc, err = run("--spec", spec_path, "--results", self.write("flat.json", flat),
                      "--out-dir", os.path.join(self.dir, "flat"))
        self.assertEqual(rc, 0, err)
        self.assertTrue(os.path.getsize(os.path.join(self.dir, "flat", "bd.png")) > 1000)

    def test_missing_column_exits_2(self):
        spec = load("sample_spec.json")
        spec["charts"].append({"name": "broken", "type": "line", "x": "batch",
                               "y": "no_such_metric", "title": "broken"})
        out = os.path.join(self.dir, "out")
        rc, err = run("--spec", self.write("spec.json", spec),
                      "--results", os.path.join(DATA, "sample_results.json"), "--out-dir", out)
        self.assertEqual(rc, 2, err)
        self.assertIn("no_such_metric", err)
        self.assertIn("broken", err)
        self.assertFalse(os.path.exists(out) and os.listdir(out), "rendered despite a spec error")

    def test_check_spec(self):
        spec = os.path.join(DATA, "sample_spec.json")
        cols = ("system,model,batch,tokens_per_s,tokens_per_s_per_user,tpot_s,"
                "arithmetic_intensity,achieved_flops,time_s.compute,time_s.memory")
        rc, err = run("--check-spec", spec, "--columns", cols)
        self.assertEqual(rc, 0, err)
        rc, err = run("--check-spec", spec, "--columns", "system,model,batch")
        self.assertEqual(rc, 2)
        self.assertIn("tokens_per_s", err)
        bad = self.write("bad.json", {"charts": [{"name": "x", "type": "pie", "x": "a", "y": "b"}]})
        rc, err = run("--check-spec", bad, "--columns", "a,b")
        self.assertEqual(rc, 2)
        self.assertIn("pie", err)

    def test_other_failures_exit_1(self):
        broken = os.path.join(self.dir, "broken.json")
        with open(broken, "w") as fh:
            fh.write("[{\"system\": ")
        rc, _ = run("--spec", os.path.join(DATA, "sample_spec.json"), "--results", broken,
                    "--out-dir", os.path.join(self.dir, "o"))
        self.assertEqual(rc, 1)


def render_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location("render", RENDER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class ChartRules(unittest.TestCase):
    """The rules a chart keeps (A-351), on the renderer's pure functions."""

    def setUp(self):
        self.r = render_module()

    def test_a_hidden_grid_axis_becomes_the_facet_then_a_footnote(self):
        rows = [{"system": s, "batch": b, "dtype": d, "model": m, "tokens_per_s": 1.0}
                for s in ("wse3", "h100-sxm5") for b in (1, 16) for d in ("fp16", "fp8") for m in ("a", "b")]
        ch = {"name": "c", "type": "bar", "x": "batch", "y": "tokens_per_s", "series": "system"}
        ch2, kept, notes = self.r.show_every_axis(ch, rows)
        self.assertEqual(ch2["facet"], "model")
        self.assertEqual(len(kept), 8)  # dtype fixed at fp16
        self.assertTrue(any("dtype = fp16 only" in n and "fp8" in n for n in notes), notes)
        # a parameter that follows the shown axes (devices of a system) is not hidden
        rows = [{"system": s, "batch": b, "devices": 8 if s == "dgx-h100" else 1}
                for s in ("wse3", "dgx-h100") for b in (1, 16)]
        self.assertEqual(self.r.hidden_axes(rows, ch), [])

    def test_coinciding_series_are_grouped(self):
        pts = lambda ys: [(x, y, {}) for x, y in zip((1, 2, 4), ys)]  # noqa: E731
        groups = self.r.coinciding_series([("a", pts((1, 2, 3))), ("b", pts((1, 2, 3.001))),
                                           ("c", pts((5, 6, 7)))])
        self.assertEqual(groups["a"], ["a", "b"])
        self.assertEqual(groups["c"], ["c"])

    def test_system_colours_are_the_same_in_every_scenario(self):
        one = self.r.build_palettes({"charts": [{"series": "system"}]}, [{"system": "wse3"}, {"system": "zz"}])
        two = self.r.build_palettes({"charts": [{"series": "system"}]}, [{"system": "zz"}, {"system": "a"}])
        self.assertEqual(one["system"]["zz"], two["system"]["zz"])
        self.assertEqual(one["system"]["wse3"], self.r.SYSTEM_COLORS["wse3"])

    def test_a_log_bar_axis_starts_well_below_the_smallest_value(self):
        lo, _ = self.r.log_limits(133, 2800, 0.1, floor_ratio=4.0)
        self.assertLessEqual(lo, 133 / 4)


if __name__ == "__main__":
    unittest.main(verbosity=2)
