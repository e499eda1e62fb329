#!/usr/bin/python3
"""h5py side of bench_large_file: reads one layout-v1 sample dataset in blocks
of whole chunks and does the work LayoutReader::scan does on each block
(convert to float32 physical units, count non-finite samples), so the two
throughputs compare like with like.

usage: /usr/bin/python3 tools/bench/h5py_scan.py FILE DATASET [BLOCK_MIB]
Prints one line of key=value pairs; the last line is what bench_large_file reads.
"""

import resource
import sys
import time

import h5py
import numpy as np


def main():
    path, name = sys.argv[1], sys.argv[2]
    block_mib = float(sys.argv[3]) if len(sys.argv) > 3 else 8.0
    with h5py.File(path, "r") as f:
        ds = f[name]
        scale = float(ds.attrs.get("scale", 1.0))
        offset = float(ds.attrs.get("offset", 0.0))
        rows, columns = ds.shape if ds.ndim == 2 else (ds.shape[0], 1)
        chunk_rows = ds.chunks[0] if ds.chunks else 1
        # Same block as the edx default: about 8 MiB of float32, whole chunks.
        block = max(chunk_rows, int(block_mib * 2**20 / (4 * columns)) // chunk_rows * chunk_rows)
        start = time.perf_counter()
        total = 0.0
        non_finite = 0
        for first in range(0, rows, block):
            raw = ds[first:first + block]
            x = raw.astype(np.float32)
            if scale != 1.0 or offset != 0.0:
                x = (raw.astype(np.float64) * scale + offset).astype(np.float32)
            bad = ~np.isfinite(x)
            n_bad = int(np.count_nonzero(bad))
            non_finite += n_bad
            total += float(x[~bad].sum(dtype=np.float64)) if n_bad else float(x.sum(dtype=np.float64))
        seconds = time.perf_counter() - start
        samples = rows * columns
        raw_bytes = samples * ds.dtype.itemsize
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"samples={samples} seconds={seconds:.3f} msamples_per_s={samples / seconds / 1e6:.1f} "
          f"raw_mb_per_s={raw_bytes / seconds / 1e6:.1f} non_finite={non_finite} sum={total:.6e} "
          f"block_rows={block} peak_rss_mb={peak_mb:.1f} h5py={h5py.version.version}")


if __name__ == "__main__":
    main()
