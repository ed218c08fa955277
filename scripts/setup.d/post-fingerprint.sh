#!/usr/bin/env bash
# Synthetic fingerprints for the demo scenario: $BUILD_DIR/demo/fingers/fNN/imp_K.png
# (8 fingers x 8 impressions, fixed seed). Idempotent: skipped when already there.
set -euo pipefail
BUILD_DIR=${BUILD_DIR:-build}
out="$BUILD_DIR/demo/fingers"
if [ -f "$out/f08/imp_8.png" ]; then
  echo "post-fingerprint: demo fingers present"
  exit 0
fi
if [ ! -x "$BUILD_DIR/tools/kioskctl" ]; then
  echo "post-fingerprint: $BUILD_DIR/tools/kioskctl not built, skipping" >&2
  exit 0
fi
"$BUILD_DIR/tools/kioskctl" finger synth --out "$out" --fingers 8 --impressions 8 --seed 20261122
