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
cargo build -q -p spinfix-bins
bin="${CARGO_TARGET_DIR:-$root/target}/debug/spinfix"
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
python3 "$tools/run_acceptance.py" --port "$port" "$dir/fix42" "$dir/fix44" "$dir/validate" \
  > "$work/result.txt" 2>&1 || true
grep -E '^FAIL' -A6 "$work/result.txt" || true
summary=$(tail -n 1 "$work/result.txt")
echo "acceptance over TCP: $summary"
case "$summary" in
  *" 0 failed"*) ;;
  *) echo "--- acceptor log (tail)"; tail -n 40 "$work/acceptor.log"; exit 1 ;;
esac
