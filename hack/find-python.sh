#!/usr/bin/env bash
# Print the path of a Python interpreter whose version is within [MIN, MAX] (default: 3.12 and newer),
# looking where a user's machine would: pythonX.Y on PATH first (a pyenv shim fails unless that version
# is selected, so each candidate is run, not just found), then pyenv's own install tree. Newest first.
# Usage: find-python.sh [MIN [MAX]]     e.g. find-python.sh 3.11 3.11
set -u
min=${1:-3.12}
max=${2:-3.99}
candidates=(python3.14 python3.13 python3.12 python3.11 python3)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  while IFS= read -r v; do candidates+=("$v"); done < <(printf "%s\n" "$root"/versions/3.*/bin/python3 | sort -rV)
fi
check="import sys; v = sys.version_info[:2]; sys.exit(0 if tuple(map(int, '$min'.split('.'))) <= v <= tuple(map(int, '$max'.split('.'))) else 1)"
for c in "${candidates[@]}"; do
  if "$c" -c "$check" >/dev/null 2>&1; then
    "$c" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "find-python: no Python between $min and $max found (tried: ${candidates[*]})" >&2
exit 1
