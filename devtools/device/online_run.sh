#!/bin/bash
# One online training run on a borrowed accelerator machine, sized to the time the call
# has: measure how fast the render processes draw, size `--online N` to fill what is
# left, train, export ONNX. Everything lands in $OUT (the device tool brings it back);
# the card is written afterwards at home by the same `bk vision train` command without
# --no-card (see README, "Online training on a bigger machine").
#
#   NAME=hygiene-tinygrid-s20 INIT=vision/train/checkpoints/hygiene-tinygrid-s18.pt \
#   DATA_SEED=71 TRAIN_SEED=19 LIMIT=540 bash devtools/device/online_run.sh
#   (from c480z on: CONTEXT=1 INIT=vision/train/checkpoints/hygiene-tinygrid-c480z.pt)
#
# The device image has Python, torch, numpy and OpenCV but not every library the project
# imports: devtools/device/wheels.sh fetches those into .whl/ here, and they are carried
# along (`carry: [".whl"]`). DEVICE=cpu runs the same steps here with .venv, to try it.
set -u
export PYTHONUNBUFFERED=1
: "${NAME:?NAME: the new checkpoint and card name}" "${INIT:?INIT: checkpoint to start from}"
: "${OUT:=var/device-out}"
DATA_SEED=${DATA_SEED:-71}; TRAIN_SEED=${TRAIN_SEED:-19}; LR=${LR:-0.0015}
EPOCHS=${EPOCHS:-5}; LIMIT=${LIMIT:-540}; DEVICE=${DEVICE:-cuda}; PROBE_S=${PROBE_S:-20}
ECHO=${ECHO:-1}  # training samples per rendered frame (bk vision train --echo)
STYLES=${STYLES:-classic,flat,shaded,flat,shaded,random,blocky,photo,ink,lowpoly,papercut,sketch,watercolour,comic,watercolour,comic}
INPUT=${INPUT:-480x384}  # the network input trained at (the chain since w480)
SCALE_MIN=${SCALE_MIN:-0.3}; SCALE_MAX=${SCALE_MAX:-1.5}  # the zoom range of --scale-jitter
NET=(); [ "${CONTEXT:-0}" = 1 ] && NET=(--context)  # CONTEXT=1: the stride-16 branch (from c480 on)
mkdir -p "$OUT"
if [ "$DEVICE" = cuda ]; then
  PY=python3
  if ! $PY -c "import pydantic, pydantic_settings, psutil, typer" 2>/dev/null; then
    ls .whl/*.whl >/dev/null 2>&1 || { echo "no .whl/: run devtools/device/wheels.sh and carry .whl"; exit 2; }
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target /tmp/bk-site .whl/*.whl || exit 2
    export PYTHONPATH=/tmp/bk-site
  fi
else
  PY=.venv/bin/python
fi
export PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}$PWD
WORKERS=${WORKERS:-$(( $($PY -c "import os; print(len(os.sched_getaffinity(0)))") - 2 ))}
[ "$WORKERS" -lt 1 ] && WORKERS=1
BK="$PY -m vision.cli"
{ command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv
  free -g | head -2; } 2>&1 | tee "$OUT/env.txt"
COMMON=(--styles "$STYLES" --heads --randomise --stylise 0.5 --scale-min "$SCALE_MIN"
  --scale-max "$SCALE_MAX" --input "$INPUT")
# what is left after the probe (about PROBE_S + 15 s) and the export at the end (45 s)
TRAIN_S=$(( LIMIT - SECONDS - PROBE_S - 15 - 45 ))
[ "$TRAIN_S" -lt 30 ] && { echo "LIMIT=$LIMIT leaves no time to train"; exit 2; }
timeout $(( PROBE_S + 60 )) $BK render-rate "${COMMON[@]}" --workers "$WORKERS" \
  --seconds "$PROBE_S" --train-seconds "$TRAIN_S" --epochs "$EPOCHS" --echo "$ECHO" 2>&1 \
  | grep -v "INFO\|UserWarning\|rationality" | tee "$OUT/render-rate.txt"
N=$(grep -o -- "--online [0-9]*" "$OUT/render-rate.txt" | grep -o "[0-9]*$")
[ -n "$N" ] || { echo "render-rate gave no size"; exit 2; }
TRAIN_S=$(( LIMIT - SECONDS - 45 ))
BUDGET=$($PY -c "print(round($TRAIN_S / 60, 2))")
echo "at ${SECONDS}s: --online $N --echo $ECHO x $EPOCHS epochs, budget $BUDGET min" | tee "$OUT/plan.txt"
$BK train --data "var/vision/ds-$NAME" --out "$OUT" --checkpoint "$OUT/$NAME.pt" \
  --n 8000 --seed "$DATA_SEED" --train-seed "$TRAIN_SEED" --epochs "$EPOCHS" --threads 2 \
  --version 1 --name "$NAME" --width 32 "${NET[@]}" --heldout-style outline --rodent-rate 0.8 \
  --lr "$LR" --stride 4 --scale-jitter "${COMMON[@]}" --init-from "$INIT" \
  --online "$N" --workers "$WORKERS" --echo "$ECHO" --device "$DEVICE" --budget-minutes "$BUDGET" \
  --no-card 2>&1 | grep -v "Warning" | tee "$OUT/train.log"
echo "done at ${SECONDS}s"; ls -la "$OUT"
