#!/bin/bash
# Fetch into .whl/ the wheels the device image lacks (it has Python 3.12, torch, numpy
# and OpenCV), at the versions this project's .venv has, for devtools/device/online_run.sh.
# Needs the package registry, so run it here, before borrowing the machine.
set -eu
PY_TAG=${PY_TAG:-312}
PKGS="pydantic pydantic-core pydantic-settings annotated-types typing-inspection
      typing-extensions python-dotenv psutil typer click rich shellingham markdown-it-py
      mdurl pygments pyyaml"
pins=()
for p in $PKGS; do
  v=$(.venv/bin/python -c "import importlib.metadata as m; print(m.version('$p'))")
  pins+=("$p==$v")
done
mkdir -p .whl
.venv/bin/pip download -q --no-deps --only-binary=:all: --python-version "$PY_TAG" \
  --implementation cp --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux_2_28_x86_64 --platform any -d .whl "${pins[@]}"
ls .whl
