#!/usr/bin/python3
"""Converts a single-signal WFDB needle-EMG record (storage format 61:
big-endian int16; format 16: little-endian int16) to an edx recording file,
layout v1 (spec/hdf5-layout-v1.md).

    /usr/bin/python3 tools/convert/wfdb_to_layout.py RECORD_DIR/R00108 OUT.h5 \\
        --muscle biceps_brachii [--side left] [--contraction minimal] [--name R00108]

The samples are stored as they are in the record (int16, their byte order),
with scale = 1 / gain in the header's unit (mV or uV) and offset = -baseline
/ gain, so nothing is resampled or rounded. The header's comment lines are
kept in the root attribute `wfdb_comments` (informative only). A
`contraction=<value>` marker at 0 s states the effort of the whole record
(EMGlab's R00108 is a steady 10% MVC contraction: --contraction minimal lets
`edx emg` analyse its motor units; without it the record would be read as rest).

Needs Debian's Python with numpy and h5py. The data are not copied into the
project: convert them where you keep them.
"""

import argparse
import pathlib
import sys

import h5py
import numpy as np


def read_header(path):
    """Record line and first signal line of a WFDB header; line ends CR, LF or CRLF."""
    text = path.read_bytes().decode("ascii", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    lines = [l.strip() for l in text.split("\n")]
    comments = [l[1:].strip() for l in lines if l.startswith("#")]
    fields = [l.split() for l in lines if l and not l.startswith("#")]
    if len(fields) < 2:
        sys.exit(f"{path}: a WFDB header needs a record line and a signal line")
    record, signal = fields[0], fields[1]
    if int(record[1]) != 1:
        sys.exit(f"{path}: {record[1]} signals; only single-signal records are converted")
    fs = float(record[2].split("/")[0])
    file_name, fmt = signal[0], signal[1].split("x")[0].split(":")[0]
    gain_field = signal[2] if len(signal) > 2 else "200"
    gain_text, _, unit = gain_field.partition("/")
    baseline = 0.0
    if "(" in gain_text:
        gain_text, _, rest = gain_text.partition("(")
        baseline = float(rest.rstrip(")"))
    gain = float(gain_text) if float(gain_text) != 0 else 200.0  # WFDB: 0 means the default 200 adu/unit
    unit = unit or "mV"
    if fmt not in ("61", "16"):
        sys.exit(f"{path}: storage format {fmt}; only 61 (big-endian int16) and 16 (little-endian int16) are converted")
    if unit not in ("mV", "uV"):
        sys.exit(f"{path}: physical unit '{unit}'; only mV and uV are converted")
    return {"fs": fs, "file": file_name, "format": fmt, "gain": gain, "baseline": baseline, "unit": unit, "comments": comments}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("record", help="path of the record without extension (RECORD.hea beside RECORD's .dat)")
    p.add_argument("out", help="layout-v1 file to write")
    p.add_argument("--muscle", required=True, help="layout muscle attribute, snake_case (e.g. biceps_brachii)")
    p.add_argument("--side", choices=["left", "right"], help="side, if known")
    p.add_argument("--contraction", choices=["rest", "minimal", "maximal"], help="effort of the whole record (marker at 0 s)")
    p.add_argument("--name", help="recording name (default: the record's)")
    a = p.parse_args()

    record = pathlib.Path(a.record)
    header = read_header(record.with_suffix(".hea"))
    dat = record.parent / header["file"]
    dtype = ">i2" if header["format"] == "61" else "<i2"
    raw = np.fromfile(dat, dtype=dtype)
    if raw.size == 0:
        sys.exit(f"{dat}: no samples")

    out = pathlib.Path(a.out)
    tmp = out.with_name(out.name + ".tmp")
    with h5py.File(tmp, "w") as f:
        f.attrs["edx_format"] = "edx-recording"
        f.attrs["edx_format_version"] = np.int64(1)
        if header["comments"]:
            f.attrs["wfdb_comments"] = "\n".join(header["comments"])
        g = f.create_group("recordings").create_group(a.name or record.name)
        g.attrs["kind"] = "needle_emg"
        g.attrs["sample_rate_hz"] = np.float64(header["fs"])
        g.attrs["units"] = header["unit"]
        g.attrs["muscle"] = a.muscle
        if a.side:
            g.attrs["side"] = a.side
        d = g.create_dataset("data", data=raw, dtype=dtype, chunks=True, compression="gzip", shuffle=True)
        d.attrs["scale"] = np.float64(1.0 / header["gain"])
        d.attrs["offset"] = np.float64(-header["baseline"] / header["gain"])
        if a.contraction:
            vlen = h5py.string_dtype("utf-8")
            g.create_dataset("markers", data=np.array([(0.0, f"contraction={a.contraction}")],
                                                      dtype=[("time_s", "<f8"), ("label", vlen)]))
    tmp.replace(out)
    print(f"{out}: {raw.size} samples at {header['fs']:g} Hz, {header['unit']}, scale 1/{header['gain']:g}")


if __name__ == "__main__":
    main()
