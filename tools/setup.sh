#!/usr/bin/env bash
# The two set-up commands of the README, on Debian 12 as root:
#   tools/setup.sh example [FILE]  install what is missing, build, run `edx analyze` on a bundled example
#                                  (with its case file FILE.case.json when there is one)
#   tools/setup.sh test            install what is missing, build the normal and the sanitizer
#                                  configurations, run every test of both through ctest, then a
#                                  bounded libFuzzer run of the stream frame parser (clang build)
# Re-running is cheap: packages already present are not reinstalled and builds are incremental.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-}
jobs=$(nproc 2>/dev/null || echo 2)

build_packages=(g++ cmake ninja-build pkg-config libeigen3-dev libhdf5-dev libboost-program-options-dev
                nlohmann-json3-dev catch2)
# The HTML reports inline uPlot, installed from the npm registry (third_party/uplot, pinned by its
# package-lock.json); Debian's npm unless an npm is already there (nodesource's nodejs ships its own).
command -v npm >/dev/null 2>&1 || build_packages+=(npm)
# The sanitizer configuration also exercises the optional FFTW3 engine, so both FFT engines are tested.
# clang and its runtime (libFuzzer) build the fuzz targets of the stream protocol.
# chromium renders the HTML reports in the report tests.
test_packages=(libfftw3-dev clang libclang-rt-14-dev chromium)

install_missing() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "setup: installing ${missing[*]}" >&2
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    fi
}

# uPlot into third_party/uplot/node_modules (gitignored); skipped when it is there and newer than the lock file,
# so a re-run needs no network.
install_uplot() {
    local dir=$root/third_party/uplot
    if [ ! -f "$dir/node_modules/uplot/dist/uPlot.iife.min.js" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        echo "setup: installing uPlot (npm ci --prefix third_party/uplot)" >&2
        npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund >&2
    fi
}

# configure_and_build <dir> <cmake args...>: configures once, then builds incrementally.
configure_and_build() {
    local dir=$1
    shift
    if [ ! -f "$root/$dir/build.ninja" ]; then
        cmake -S "$root" -B "$root/$dir" -G Ninja "$@" >&2
    fi
    cmake --build "$root/$dir" -j "$jobs" >&2
}

case "$mode" in
    example)
        install_missing "${build_packages[@]}"
        install_uplot
        configure_and_build build/release -DCMAKE_BUILD_TYPE=Release
        example=${2:-$root/signals/examples/dgs_piriformis_left.h5}
        # A bundled study comes with its clinical case file (STUDY.case.json): the diagnosis is part of the job.
        case_file=${example%.h5}.case.json
        if [ -f "$case_file" ]; then
            exec "$root/build/release/tools/edx/edx" analyze "$example" --clinical "$case_file"
        fi
        exec "$root/build/release/tools/edx/edx" analyze "$example"
        ;;
    test)
        install_missing "${build_packages[@]}" "${test_packages[@]}"
        install_uplot
        configure_and_build build/release -DCMAKE_BUILD_TYPE=Release
        # Benchmarks are not built here: they measure the release build.
        configure_and_build build/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDX_SANITIZE=ON -DEDX_FFT=fftw -DEDX_BUILD_BENCHMARKS=OFF
        ctest --test-dir "$root/build/release" -j "$jobs" --output-on-failure
        # The browser renderings (label render) run once, in the release build: the pages are the same
        # bytes, and the code that makes them runs under the sanitizers in the report tests.
        ctest --test-dir "$root/build/sanitize" -j "$jobs" --output-on-failure -LE render
        # A bounded libFuzzer run on the stream protocol's frame parser (clang only; just the fuzz targets are built).
        if [ ! -f "$root/build/fuzz/build.ninja" ]; then
            cmake -S "$root" -B "$root/build/fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDX_FUZZ=ON \
                -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >&2
        fi
        cmake --build "$root/build/fuzz" -j "$jobs" --target fuzz_frame_parser >&2
        ctest --test-dir "$root/build/fuzz" -L fuzz --output-on-failure
        ;;
    *)
        echo "usage: tools/setup.sh example [FILE] | test" >&2
        exit 2
        ;;
esac
