#!/usr/bin/env bash
# Runs QuickFIX's session-layer acceptance scripts over real TCP against `spinfix acceptor
# --app acceptance`, configured by the suite's own at.cfg.in, with the independent runner
# from ../shared/tools. Usage: scripts/acceptance.sh [ACCEPTANCE_DIR] (default ../shared/acceptance)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir=${1:-"$root/../shared/acceptance"}
tools="$dir/../tools"
if [ ! -f "$dir/at.cfg.in" ] || [ ! -f "$tools/run_acceptance.py" ]; then
  echo "acceptance: $dir or its runner is missing; skipped"
  exit 0
fi
# SPINFIX_BIN: an already built binary (skips the build).
bin=${SPINFIX_BIN:-}
if [ -z "$bin" ]; then
  cargo build -q -p spinfix-bins
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/spinfix"
fi
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s#@PORT@#$port#" -e "s#@SPEC@#$dir/../spec#" -e "s#@STORE@#$work/store#" \
  "$dir/at.cfg.in" > "$work/at.cfg"
"$bin" acceptor --config "$work/at.cfg" --app acceptance > "$work/acceptor.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
  sleep 0.1
done
# The FIX.4.0/4.1/4.3 and FIXT.1.1 variants, derived from fix42/fix44 into the temp dir (the
# version rules live in acceptance_variants.py). Each version has its own session, so the
# variants run beside the base suite, one runner per version.
python3 scripts/acceptance_variants.py --acceptance "$dir" --out "$work/variants" \
  > "$work/variants.txt"
grep '^skip' "$work/variants.txt" || true
variants="fix40 fix41 fix43 fix50 fix50sp1 fix50sp2"
# Known spinfix divergences from QuickFIX that the variants expose, as variant/script: listed,
# not failed, until fixed; any other failure fails. None is known today;
# SPINFIX_KNOWN_FAILING_VARIANTS="fix40/2r_UnregisteredMsgType.def ..." would list some.
known=${SPINFIX_KNOWN_FAILING_VARIANTS-""}
runners=()
python3 "$tools/run_acceptance.py" --port "$port" "$dir/fix42" "$dir/fix44" "$dir/validate" \
  > "$work/result.txt" 2>&1 &
runners+=($!)
for v in $variants; do
  python3 "$tools/run_acceptance.py" --port "$port" "$work/variants/$v" \
    > "$work/result-$v.txt" 2>&1 &
  runners+=($!)
done
for r in "${runners[@]}"; do wait "$r" || true; done
failed=0
grep -E '^FAIL' -A6 "$work/result.txt" || true
summary=$(tail -n 1 "$work/result.txt")
echo "acceptance over TCP: $summary"
case "$summary" in
  *" 0 failed"*) ;;
  *) failed=1 ;;
esac
for v in $variants; do
  summary=$(tail -n 1 "$work/result-$v.txt")
  echo "acceptance $v over TCP: $summary"
  case "$summary" in *" passed, "*) ;; *) failed=1; continue ;; esac
  for f in $(grep -E '^FAIL' "$work/result-$v.txt" | awk '{print $2}'); do
    name="$v/$(basename "$f")"
    if [[ " $(echo $known) " == *" $name "* ]]; then
      echo "  known divergence: $name"
    else
      grep -F "FAIL $f" -A6 "$work/result-$v.txt"
      failed=1
    fi
  done
done
if [ "$failed" != 0 ]; then
  echo "--- acceptor log (tail)"; tail -n 40 "$work/acceptor.log"; exit 1
fi
