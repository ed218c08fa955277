#!/usr/bin/env bash
# Face models and demo faces (runs after the build; env SOURCE_DIR, BUILD_DIR).
#  1. face-api 1.7.15 from the npm registry into $HOME/.cache/kiosk (checksum verified)
#  1b. the ArcFace-style ONNX recogniser (npm faceplugin-face-recognition-js 0.0.1,
#      model/fr_feature.onnx, checksum verified) -> $BUILD_DIR/models/face_recognition_arcface.onnx (a copy)
#      and its package's LICENSE -> face_recognition_arcface.LICENSE
#  2. the 68-point shape predictor from Debian libdlib-data (decompressed if shipped as .bz2)
#  3. kioskctl face convert-model -> $BUILD_DIR/models/dlib_face_recognition_resnet.dat
#  4. kioskctl face demo-set      -> $BUILD_DIR/demo/faces/pN/{enrol,probe_*,still_*}.png
# Idempotent: each step is skipped when its output is already there and up to date.
set -euo pipefail
SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SOURCE_DIR/build}
CACHE=${KIOSK_CACHE_DIR:-$HOME/.cache/kiosk}
PKG=@vladmandic/face-api
VER=1.7.15
PKG_DIR=$CACHE/face-api-$VER
BIN=$PKG_DIR/package/model/face_recognition_model.bin
MANIFEST=$PKG_DIR/package/model/face_recognition_model-weights_manifest.json
SHA=b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589
SIZE=6444032
KIOSKCTL=$BUILD_DIR/tools/kioskctl
MODELS=$BUILD_DIR/models
MODEL=$MODELS/dlib_face_recognition_resnet.dat
DEMO=$BUILD_DIR/demo/faces
say() { echo "post-face: $*"; }

weights_ok() {
  [ -f "$BIN" ] && [ "$(stat -c %s "$BIN")" = "$SIZE" ] && \
    [ "$(sha256sum "$BIN" | cut -d' ' -f1)" = "$SHA" ] && [ -f "$MANIFEST" ] && \
    [ -f "$PKG_DIR/package/demo/sample6.jpg" ]
}

# ---- 1. face-api package ----
if ! weights_ok; then
  command -v npm >/dev/null || { echo "post-face: npm is missing (Debian package npm)" >&2; exit 1; }
  say "fetching $PKG@$VER from the npm registry"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$PKG@$VER" >/dev/null)
  tgz=$(ls "$tmp"/*.tgz)
  rm -rf "$PKG_DIR" && mkdir -p "$PKG_DIR"
  tar -xzf "$tgz" -C "$PKG_DIR" package/model/face_recognition_model.bin \
      package/model/face_recognition_model-weights_manifest.json package/demo package/LICENSE package/package.json
  weights_ok || { echo "post-face: checksum of face_recognition_model.bin does not match (expected $SHA, $SIZE B)" >&2; exit 1; }
fi
say "weights ok ($BIN, sha256 verified)"

# ---- 1b. ONNX recogniser (docs/face.md "Recognisers": MIT package, weights' origin not stated) ----
mkdir -p "$MODELS"
OX_PKG=faceplugin-face-recognition-js
OX_VER=0.0.1
OX_DIR=$CACHE/$OX_PKG-$OX_VER
OX_BIN=$OX_DIR/package/model/fr_feature.onnx
OX_SHA=87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581
OX_SIZE=4884269
OX_MODEL=$MODELS/face_recognition_arcface.onnx
onnx_ok() {
  [ -f "$OX_BIN" ] && [ "$(stat -c %s "$OX_BIN")" = "$OX_SIZE" ] && \
    [ "$(sha256sum "$OX_BIN" | cut -d' ' -f1)" = "$OX_SHA" ]
}
if ! onnx_ok; then
  command -v npm >/dev/null || { echo "post-face: npm is missing (Debian package npm)" >&2; exit 1; }
  say "fetching $OX_PKG@$OX_VER from the npm registry"
  tmp2=$(mktemp -d)
  (cd "$tmp2" && npm pack --silent "$OX_PKG@$OX_VER" >/dev/null)
  tgz=$(ls "$tmp2"/*.tgz)
  rm -rf "$OX_DIR" && mkdir -p "$OX_DIR"
  tar -xzf "$tgz" -C "$OX_DIR" package/model/fr_feature.onnx package/LICENSE package/package.json
  rm -rf "$tmp2"
  onnx_ok || { echo "post-face: checksum of fr_feature.onnx does not match (expected $OX_SHA, $OX_SIZE B)" >&2; exit 1; }
fi
# A copy, not a link: the kiosk package installs it (deploy/CMakeLists.txt), with the
# package's LICENSE beside it.
if [ -L "$OX_MODEL" ] || ! cmp -s "$OX_BIN" "$OX_MODEL"; then
  rm -f "$OX_MODEL" && cp "$OX_BIN" "$OX_MODEL.tmp" && mv "$OX_MODEL.tmp" "$OX_MODEL"
fi
cmp -s "$OX_DIR/package/LICENSE" "$MODELS/face_recognition_arcface.LICENSE" || \
  cp "$OX_DIR/package/LICENSE" "$MODELS/face_recognition_arcface.LICENSE"
say "ONNX recogniser $OX_MODEL (sha256 verified)"

# ---- 2. shape predictor ----
SP_DEB=/usr/share/dlib/shape_predictor_68_face_landmarks.dat
SP=$MODELS/shape_predictor_68_face_landmarks.dat
if [ -f "$SP_DEB" ]; then
  [ "$(readlink "$SP" 2>/dev/null)" = "$SP_DEB" ] || ln -sfn "$SP_DEB" "$SP"
elif [ -f "$SP_DEB.bz2" ]; then
  if [ ! -f "$CACHE/shape_predictor_68_face_landmarks.dat" ]; then
    say "decompressing $SP_DEB.bz2"
    bzip2 -dc "$SP_DEB.bz2" > "$CACHE/shape_predictor_68_face_landmarks.dat.tmp"
    mv "$CACHE/shape_predictor_68_face_landmarks.dat.tmp" "$CACHE/shape_predictor_68_face_landmarks.dat"
  fi
  ln -sfn "$CACHE/shape_predictor_68_face_landmarks.dat" "$SP"
else
  echo "post-face: $SP_DEB missing: install the Debian package libdlib-data" >&2; exit 1
fi

# ---- 3. model conversion ----
[ -x "$KIOSKCTL" ] || { echo "post-face: $KIOSKCTL not built" >&2; exit 1; }
if [ ! -s "$MODEL" ] || [ "$BIN" -nt "$MODEL" ] || [ "$KIOSKCTL" -nt "$MODEL" -a -n "${KIOSK_FACE_RECONVERT:-}" ]; then
  say "converting the ResNet weights"
  "$KIOSKCTL" face convert-model --manifest "$MANIFEST" --weights "$BIN" --out "$MODEL"
fi
say "model $MODEL"

# ---- 4. demo faces ----
STAMP=$DEMO/.stamp
want="face-api-$VER people=6 v3"
if [ ! -f "$DEMO/p1/enrol.png" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  say "writing demo faces to $DEMO"
  rm -rf "$DEMO"
  "$KIOSKCTL" face demo-set --samples "$PKG_DIR/package/demo" --out "$DEMO" --people 6 --shape-predictor "$SP" --model "$MODEL"
  echo "$want" > "$STAMP"
fi
say "demo faces $DEMO"

# ---- BLAS check: dlib's descriptor is ~10x slower on the reference BLAS ----
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*) say "libblas.so.3 -> $blas (OpenBLAS)";;
  *) say "WARNING: libblas.so.3 -> ${blas:-?}: install libopenblas0-pthread for a ~10x faster face descriptor";;
esac
