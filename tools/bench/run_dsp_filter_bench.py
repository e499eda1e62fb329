#!/usr/bin/python3
"""Runs the streaming-filter benchmark against scipy.signal.sosfilt in one go.

    /usr/bin/python3 tools/bench/run_dsp_filter_bench.py [BUILD_DIR]

Designs the workload's sections with scipy (butter(4, [20, 2000], 'bandpass',
fs=20000, output='sos') + iirnotch at 50, 100, 150 Hz, Q 30), makes 10 s of
64-channel float32 data, times scipy.signal.sosfilt on it (whole signal, all
channels, best of 3; and in 1 ms blocks carrying zi, for comparison), then runs
bench_dsp_filter on the same sections and data, which checks its design and
output against scipy's before timing and prints every figure with the ratio.
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy import signal

FS = 20000.0
CHANNELS = 64
SECONDS = 10


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "build")
    binary = os.path.join(build, "tools", "bench", "bench_dsp_filter")
    bp = signal.butter(4, [20.0, 2000.0], btype="bandpass", output="sos", fs=FS)
    notch = np.vstack([np.hstack(signal.iirnotch(50.0 * h, 30.0, fs=FS)) for h in (1, 2, 3)])
    sos = np.vstack([bp, notch])

    rng = np.random.default_rng(1)
    frames = int(FS * SECONDS)
    t = np.arange(frames) / FS
    data = (rng.standard_normal((frames, CHANNELS)) + 2.0 * np.sin(2 * np.pi * 50.0 * t)[:, None]).astype(np.float32)

    # Whole signal along time for every channel: scipy's best case.
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        y = signal.sosfilt(sos, data, axis=0)
        best = min(best, time.perf_counter() - t0)
    rate = data.size / best

    # 1 ms blocks with the state carried (what a streaming caller would do).
    block = int(FS / 1000)
    zi = np.zeros((sos.shape[0], 2, CHANNELS))
    blocks = int(2 * FS) // block
    t0 = time.perf_counter()
    for k in range(blocks):
        _, zi = signal.sosfilt(sos, data[k * block:(k + 1) * block], axis=0, zi=zi)
    blocked_rate = blocks * block * CHANNELS / (time.perf_counter() - t0)

    import scipy
    print(f"scipy {scipy.__version__}, numpy {np.__version__}: sosfilt whole signal {rate:.3g} channel-samples/s "
          f"(best of 3 over {SECONDS} s x {CHANNELS} channels); in 1 ms blocks with zi {blocked_rate:.3g}")
    sys.stdout.flush()

    with tempfile.TemporaryDirectory() as tmp:
        sos.astype("<f8").tofile(os.path.join(tmp, "sos.f64"))
        data.astype("<f4").tofile(os.path.join(tmp, "data.f32"))
        y[: int(FS)].astype("<f8").tofile(os.path.join(tmp, "reference.f64"))
        subprocess.run([binary, "--sos", os.path.join(tmp, "sos.f64"), "--data", os.path.join(tmp, "data.f32"),
                        "--reference", os.path.join(tmp, "reference.f64"), "--scipy-rate", repr(rate)], check=True)


if __name__ == "__main__":
    main()
