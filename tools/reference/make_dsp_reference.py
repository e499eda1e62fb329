#!/usr/bin/python3
"""Reference vectors for the dsp module's tests, computed by scipy.

Run with Debian's python (/usr/bin/python3, which has numpy and scipy):

    /usr/bin/python3 tools/reference/make_dsp_reference.py

Writes signals/reference/dsp/dsp_reference.json (designs, small vectors, the
scipy/numpy versions) and raw little-endian arrays beside it (*.f32, *.f64),
each named in the JSON with its shape. The tests compare edx against these
files; rerun this script only to move to another scipy version, and commit
the outputs together with the versions recorded in the JSON.
"""
import json
import os
import sys

import numpy as np
import scipy
from scipy import signal

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "signals", "reference", "dsp")


def rows(sos):
    return [[float(v) for v in row] for row in np.atleast_2d(sos)]


def write_array(name, array):
    array = np.ascontiguousarray(array)
    ext = {np.dtype("float32"): ".f32", np.dtype("float64"): ".f64"}[array.dtype]
    path = os.path.join(OUT, name + ext)
    array.astype(array.dtype.newbyteorder("<")).tofile(path)
    return {"file": name + ext, "dtype": str(array.dtype), "shape": list(array.shape)}


def butter_cases():
    cases = []
    table = [
        # (btype, orders, Wn (Hz), fs)
        ("lowpass", [1, 2, 3, 4, 5, 8], 100.0, 4000.0),
        ("lowpass", [2, 4, 7], 2000.0, 10000.0),
        ("lowpass", [1, 4, 6], 8000.0, 20000.0),
        ("lowpass", [3, 4], 15000.0, 48000.0),
        ("highpass", [1, 2, 3, 4, 5, 8], 5.0, 48000.0),
        ("highpass", [2, 4], 20.0, 20000.0),
        ("highpass", [1, 3, 6], 2.0, 10000.0),
        ("highpass", [4], 500.0, 4000.0),
        ("bandpass", [1, 2, 3, 4, 6], [20.0, 2000.0], 20000.0),
        ("bandpass", [2, 4], [5.0, 8000.0], 48000.0),
        ("bandpass", [2, 5], [10.0, 1000.0], 4000.0),
        ("bandpass", [4], [100.0, 150.0], 10000.0),
        ("bandstop", [1, 2, 3, 4], [45.0, 55.0], 20000.0),
        ("bandstop", [2, 5], [55.0, 65.0], 4000.0),
        ("bandstop", [4], [1000.0, 3000.0], 48000.0),
    ]
    for btype, orders, wn, fs in table:
        for n in orders:
            sos = signal.butter(n, wn, btype=btype, output="sos", fs=fs)
            cases.append({"type": btype, "order": n, "hz": wn, "fs": fs, "sos": rows(sos)})
    return cases


def notch_cases():
    cases = []
    for fs in (4000.0, 10000.0, 20000.0, 48000.0):
        for f0 in (50.0, 60.0, 100.0, 120.0, 150.0, 180.0):
            for q in (30.0, 10.0):
                b, a = signal.iirnotch(f0, q, fs=fs)
                cases.append({"f0": f0, "q": q, "fs": fs, "b": [float(v) for v in b], "a": [float(v) for v in a]})
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240611)
    ref = {
        "generator": "tools/reference/make_dsp_reference.py",
        "scipy_version": scipy.__version__,
        "numpy_version": np.__version__,
        "python_version": sys.version.split()[0],
        "butter": butter_cases(),
        "iirnotch": notch_cases(),
    }

    # Signals: float32 samples as the signal path holds them; scipy filters
    # them in double. An offset, mains hum and a slow drift exercise the low
    # corners and the notch.
    n = 4000
    signals = {}
    for name, fs in (("hp5_48k", 48000.0), ("bp_notch_20k", 20000.0)):
        t = np.arange(n) / fs
        x = (0.8 + 0.3 * rng.standard_normal(n) + 0.5 * np.sin(2 * np.pi * 50.0 * t)
             + 0.2 * np.sin(2 * np.pi * 150.0 * t + 0.3) + 0.4 * t).astype(np.float32)
        signals[name] = (x, fs)

    hp = signal.butter(4, 5.0, btype="highpass", output="sos", fs=48000.0)
    bp = signal.butter(4, [20.0, 2000.0], btype="bandpass", output="sos", fs=20000.0)
    notch = np.vstack([np.hstack(signal.iirnotch(50.0 * h, 30.0, fs=20000.0)) for h in (1, 2, 3)])
    bp_notch = np.vstack([bp, notch])

    filtering = []
    for name, sos in (("hp5_48k", hp), ("bp_notch_20k", bp_notch)):
        x, fs = signals[name]
        y = signal.sosfilt(sos, x)  # zero initial state
        zi = signal.sosfilt_zi(sos) * x[0]
        y_zi, _ = signal.sosfilt(sos, x, zi=zi)
        y_ff = signal.sosfiltfilt(sos, x)  # odd padding, default pad length
        filtering.append({
            "name": name, "fs": fs, "sos": rows(sos),
            "input": write_array(name + "_input", x),
            "sosfilt": write_array(name + "_sosfilt", y.astype(np.float64)),
            "sosfilt_zi": write_array(name + "_sosfilt_zi", y_zi.astype(np.float64)),
            "sosfilt_zi_state": rows(signal.sosfilt_zi(sos)),
            "sosfiltfilt": write_array(name + "_sosfiltfilt", y_ff.astype(np.float64)),
            "sosfiltfilt_padlen": 3 * (2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))),
        })
    ref["filtering"] = filtering

    welch = []
    x, fs = signals["bp_notch_20k"]
    for nperseg, noverlap, detrend, scaling in ((256, None, "constant", "density"),
                                                 (1000, 300, "linear", "density"),
                                                 (512, 0, False, "spectrum")):
        f, p = signal.welch(x, fs=fs, nperseg=nperseg, noverlap=noverlap, detrend=detrend, scaling=scaling)
        welch.append({"input": "bp_notch_20k", "fs": fs, "nperseg": nperseg,
                      "noverlap": noverlap if noverlap is not None else nperseg // 2,
                      "detrend": detrend if detrend else "none", "scaling": scaling,
                      "frequencies_hz": [float(v) for v in f], "psd": [float(v) for v in p]})
    ref["welch"] = welch

    resample = []
    for length, factor in ((200, 4), (151, 8), (64, 3)):
        t = np.arange(length)
        v = (np.exp(-0.5 * ((t - length / 2) / (length / 12)) ** 2) + 0.1 * rng.standard_normal(length))
        y = signal.resample(v, length * factor)
        resample.append({"input": [float(a) for a in v], "num": length * factor, "output": [float(a) for a in y]})
    ref["resample"] = resample

    a = rng.standard_normal(500)
    b = rng.standard_normal(300)
    ref["correlate"] = [{"a": [float(v) for v in a], "b": [float(v) for v in b],
                         "full": [float(v) for v in signal.correlate(a, b, mode="full", method="fft")]}]

    with open(os.path.join(OUT, "dsp_reference.json"), "w") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
