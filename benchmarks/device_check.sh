#!/usr/bin/env bash
# GPU readiness in one command (`make device-check`), for a machine with one CUDA GPU (an H200):
#   1. the packaged LLMs prepared (verify, assemble, convert; instant when already cached),
#   2. the gpu-marked tests,
#   3. the CUDA retrieval benchmark,
#   4. the teacher roofline benchmark on CUDA for the three packaged models (bfloat16, batch 16),
#   5. one chapter in the gpu profile: Teachers, with a packaged teacher (the profile's hub models
#      are not reachable from an offline machine) and 16 requests per format.
# Each step has its own time limit; together they stay under 8 minutes. A step whose Python
# packages or data are missing is skipped with a message naming them; the summary lists every
# step's outcome. Without a CUDA device the script says so and exits 0.
set -uo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3)"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
export SYNTHLIB_DATA_DIR="${SYNTHLIB_DATA_DIR:-$(cd .. && pwd)/shared/data}"
TEACHER="${DEVICE_CHECK_TEACHER:-qwen2.5-coder-1.5b-instruct}"
MODELS=(gemma-3-270m qwen2.5-coder-0.5b-instruct qwen2.5-coder-1.5b-instruct)

if ! "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "device-check: skipped: no CUDA device visible to $PY (torch.cuda.is_available() is False)."
  echo "Run \`make device-check\` on a machine with one GPU (an H200 takes under 8 minutes)."
  exit 0
fi

start=$(date +%s)
summary=()
elapsed() { echo $(( $(date +%s) - start )); }

missing() {  # the Python modules among "$@" that do not import
  "$PY" - "$@" <<'EOF'
import importlib.util, sys
print(" ".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))
EOF
}

step() {  # step NAME SECONDS "MODULES NEEDED" COMMAND...
  local name=$1 limit=$2 needs=$3 absent status
  shift 3
  absent=$(missing $needs)
  echo "== [$(elapsed)s] $name (limit ${limit}s)"
  if [ -n "$absent" ]; then
    echo "-- $name: SKIPPED: missing Python packages: $absent (install them with: pip install -r requirements.txt -c constraints.txt)"
    summary+=("skipped  $name (missing: $absent)")
    return
  fi
  local began=$(date +%s)
  timeout "$limit" "$@"
  status=$?
  local took=$(( $(date +%s) - began ))
  if [ $status -eq 0 ]; then summary+=("ok       $name (${took}s)")
  elif [ $status -eq 124 ]; then summary+=("TIMEOUT  $name (over ${limit}s)")
  else summary+=("FAILED   $name (exit $status, ${took}s)"); fi
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
"$PY" -c 'import torch; print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}")'

step "packaged LLMs prepared" 120 "transformers gguf safetensors" \
  "$PY" -m synthlib.cli models prepare "${MODELS[@]}"
step "gpu-marked tests" 60 "pytest datasets" \
  "$PY" -m pytest -m gpu -q -p no:cacheprovider tests
step "retrieval benchmark (CUDA)" 75 "numpy faiss" \
  "$PY" benchmarks/retrieval_topk.py --cuda --repeats 3
step "teacher roofline (CUDA, three models)" 150 "transformers" \
  "$PY" benchmarks/teacher_roofline.py --device cuda --dtypes bfloat16 --batch 16 --models "${MODELS[@]}"
if [ -d "$SYNTHLIB_DATA_DIR" ]; then
  step "teachers chapter (gpu profile, $TEACHER)" 120 "papermill datasets" \
    "$PY" -m synthlib.cli run teachers --profile gpu -p "teacher=$TEACHER" -p samples_per_format=16 \
    -o "${TMPDIR:-/tmp}/device-check-teachers.ipynb"
else
  echo "-- teachers chapter: SKIPPED: no data at $SYNTHLIB_DATA_DIR (set SYNTHLIB_DATA_DIR)"
  summary+=("skipped  teachers chapter (no data at $SYNTHLIB_DATA_DIR)")
fi

echo "== device-check done in $(elapsed)s"
printf '   %s\n' "${summary[@]}"
for line in "${summary[@]}"; do
  case $line in FAILED*|TIMEOUT*) exit 1 ;; esac
done
