#!/usr/bin/env bash
# Regenerates signals/examples: three small simulated studies with their truth
# files. Deterministic (fixed seeds), so running it again gives the same files.
#   tools/examples/make_examples.sh [path/to/edx]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
edx=${1:-$root/build/release/tools/edx/edx}
out=$root/signals/examples
common=(--storage int16 --rest-s 4 --minimal-s 4)

# Deep gluteal syndrome (sciatic entrapment below piriformis), left: FAIR H delay,
# denervation in peroneal-division muscles including the short head of biceps
# femoris, paraspinal and gluteal muscles spared, superficial peroneal SNAP reduced.
"$edx" simulate --out "$out/dgs_piriformis_left.h5" --lesion sciatic_deep_gluteal --side left \
    --axon-loss 0.5 --lesion-age-months 8 --fair-delay-ms 3.0 --fair-tau-s 4 \
    --seed 101 --subject-id EX-DGS-01 --age 42 --height 172 "${common[@]}"

# L5 radiculopathy, right: L5 paraspinal, tibialis posterior and gluteus medius
# involved with the peroneal muscles, SNAPs normal, no FAIR delay.
"$edx" simulate --out "$out/l5_radiculopathy_right.h5" --lesion L5_root --side right \
    --axon-loss 0.6 --lesion-age-months 5 \
    --seed 202 --subject-id EX-L5-01 --age 51 --height 178 "${common[@]}"

# A normal study.
"$edx" simulate --out "$out/normal.h5" --lesion none --side left \
    --seed 303 --subject-id EX-NORM-01 --age 35 --height 168 "${common[@]}"
