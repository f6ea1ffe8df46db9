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


if __name__ == "__main__":
    unittest.main(verbosity=2)
