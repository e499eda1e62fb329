#!/usr/bin/python3
"""Renders an edx HTML report in headless Chromium and checks it as a person would see it.

--page case       the bundled example (edx analyze --clinical --out, then edx report)
--page study      a simulated cohort (edx fair-cohort, then edx fair-study --html)
--page sweeps10k  a study with one 10,000-sweep H-reflex recording (report_render_fixture)

Checks, from the DOM Chromium dumps after the scripts ran: every expected plot
container exists, has a uPlot canvas, data-points > 0 and no data-error. From a
screenshot: the page is not blank (at least 2% of pixels differ from the most
common colour). Exit 77 (CTest skip) when chromium is not installed.
"""
import argparse
import collections
import html.parser
import os
import shutil
import struct
import subprocess
import sys
import zlib

EXPECTED = {
    # kind -> how many containers of that kind the page must have
    "case": {"h-waveforms": 2, "h-sweeps": 2, "fair-time-course": 2, "posterior": 1},
    "study": {"roc": 1, "delay-by-reference": 1, "delay-vs-duration": 1},
    "sweeps10k": {"h-waveforms": 1, "h-sweeps": 1},
}


class Plots(html.parser.HTMLParser):
    """The plot containers of a page and whether a canvas was drawn inside each."""

    def __init__(self):
        super().__init__()
        self.plots = []
        self.stack = []  # open elements: index of the plot they belong to, or None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        owner = self.stack[-1] if self.stack else None
        if "data-plot-id" in a:
            self.plots.append({"kind": a.get("data-plot"), "id": a["data-plot-id"], "points": a.get("data-points"),
                               "error": a.get("data-error"), "resolution": a.get("data-resolution"), "canvas": False})
            owner = len(self.plots) - 1
        if tag == "canvas" and owner is not None:
            self.plots[owner]["canvas"] = True
        if tag not in ("br", "img", "input", "meta", "link", "hr", "col", "source", "wbr"):
            self.stack.append(owner)

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit non-interlaced PNG, decoded with zlib."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(path + " is not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or interlace != 0 or colour not in (2, 6):
        raise ValueError("unsupported PNG (depth %d, colour type %d, interlace %d)" % (depth, colour, interlace))
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, bpp, rows


def not_blank_fraction(path):
    width, height, bpp, rows = png_pixels(path)
    counts = collections.Counter()
    for row in rows:
        for x in range(0, width * bpp, bpp):
            counts[row[x:x + 3]] += 1
    total = width * height
    return 1.0 - counts.most_common(1)[0][1] / total


def run(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=240, **kw)
    if r.returncode != 0:
        sys.exit("failed (%d): %s\n%s%s" % (r.returncode, " ".join(args), r.stdout, r.stderr))
    return r.stdout


def make_page(o):
    os.makedirs(o.scratch, exist_ok=True)
    page = os.path.join(o.scratch, o.page + ".html")
    if o.page == "case":
        example = os.path.join(o.source, "signals/examples/dgs_piriformis_left")
        results = os.path.join(o.scratch, "results.h5")
        run([o.edx, "analyze", example + ".h5", "--clinical", example + ".case.json", "--out", results])
        run([o.edx, "report", results, "--html", page])
    elif o.page == "study":
        cohort = os.path.join(o.scratch, "cohort")
        run([o.edx, "fair-cohort", "--out", cohort, "--subjects", "16", "--seed", "5", "--threads", "2"])
        run([o.edx, "fair-study", os.path.join(cohort, "manifest.csv"), "--threads", "2", "--html", page])
    else:
        run([o.fixture, page, "10000"])
    return page


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--page", choices=sorted(EXPECTED), required=True)
    p.add_argument("--edx", required=True)
    p.add_argument("--fixture", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--scratch", required=True)
    p.add_argument("--chromium", default="")
    o = p.parse_args()

    chromium = o.chromium if o.chromium and os.path.exists(o.chromium) else shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("SKIP: chromium is not installed (Debian package 'chromium'; tools/setup.sh test installs it)")
        return 77

    page = make_page(o)
    size_mb = os.path.getsize(page) / 1e6
    url = "file://" + os.path.abspath(page)
    # No network: the page is self-contained, and Chromium's own background
    # connections (updates, sync, QUIC probes) only fail on a closed network.
    common = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
              "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-quic", "--user-data-dir=" + os.path.join(o.scratch, "profile"), "--virtual-time-budget=20000"]
    dom = run(common + ["--window-size=1200,1600", "--dump-dom", url])

    parser = Plots()
    parser.feed(dom)
    failures = []
    kinds = collections.Counter(pl["kind"] for pl in parser.plots)
    for kind, n in EXPECTED[o.page].items():
        if kinds[kind] < n:
            failures.append("expected %d plot(s) of kind %s, found %d" % (n, kind, kinds[kind]))
    for pl in parser.plots:
        if pl["error"] is not None:
            failures.append("%s: not drawn: %s" % (pl["id"], pl["error"]))
        elif not pl["points"] or int(pl["points"]) <= 0:
            failures.append("%s: no data-points (script did not draw it)" % pl["id"])
        if not pl["canvas"]:
            failures.append("%s: no uPlot canvas" % pl["id"])
    if "Decision support for a clinical neurophysiologist, not a diagnosis." not in dom:
        failures.append("the decision-support notice is missing")

    if o.page == "sweeps10k":
        # 10,000 sweeps of 1,000 samples are shown as min/max per pixel; zoomed
        # to half a sweep, the plot must be redrawn from the full data: every
        # sample. (A plot draws every sample once the range holds at most two
        # per pixel: 1.5 sweeps failed that in an 800-pixel default window.)
        whole = [pl for pl in parser.plots if pl["id"] == "h-sweeps-0"]
        if not whole or whole[0]["resolution"] != "min-max per pixel" or int(whole[0]["points"] or 0) > 10000:
            failures.append("10,000 sweeps not decimated for display: %s" % whole)
        zoomed = Plots()
        zoomed.feed(run(common + ["--window-size=1200,1600", "--dump-dom", url + "#zoom=h-sweeps-0:5000:5000.5"]))
        z = [pl for pl in zoomed.plots if pl["id"] == "h-sweeps-0"]
        # 501 samples in sweeps 5000-5000.5, plus the two ends of the recording kept for zooming out.
        if not z or z[0]["resolution"] != "every sample" or int(z[0]["points"] or 0) < 500:
            failures.append("zoomed to half a sweep, not redrawn at full resolution: %s" % z)
        else:
            print("zoomed to sweeps 5000-5000.5: %s points, %s" % (z[0]["points"], z[0]["resolution"]))

    shot = os.path.join(o.scratch, o.page + ".png")
    if os.path.exists(shot):
        os.remove(shot)
    run(common + ["--screenshot=" + shot, "--window-size=1200,1600", url])
    fraction = not_blank_fraction(shot)
    if fraction < 0.02:
        failures.append("the screenshot is blank: %.4f of its pixels differ from the background (need 0.02)" % fraction)

    print("%s: %.1f MB, %d plots: %s; screenshot %.1f%% non-background" %
          (o.page, size_mb, len(parser.plots), ", ".join("%s=%s" % (pl["id"], pl["points"]) for pl in parser.plots), 100 * fraction))
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
