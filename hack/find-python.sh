#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter, looking where a user's machine would:
# python3.13 / python3.12 on PATH first (a pyenv shim fails unless that version is selected, so
# each candidate is run, not just found), then pyenv's own install tree.
set -u
candidates=(python3.14 python3.13 python3.12 python3)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  # newest first
  while IFS= read -r v; do candidates+=("$v"); done < <(ls -d "$root"/versions/3.1[2-9].*/bin/python3 2>/dev/null | sort -rV)
fi
for c in "${candidates[@]}"; do
  if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
    "$c" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "find-python: no Python >= 3.12 found (tried: ${candidates[*]})" >&2
exit 1
