#!/usr/bin/env bash
# Seed ansible-test's cache with the offline pip bootstrap (hack/offline-get-pip.py) under the name the
# ansible-test of the given interpreter looks for. Whatever is cached under that name and is not byte for byte the
# project's bootstrap (another project's stand-in, a download from an older run, a truncated file) is replaced:
# ansible-test runs that file in every virtual environment it creates, so a stale one breaks the sanity tests.
# Usage: seed-ansible-test-cache.sh [PYTHON]      (PYTHON: the interpreter whose ansible-test will run)
set -euo pipefail
python=${1:-python3}
here=$(cd "$(dirname "$0")" && pwd)
bootstrap="$here/offline-get-pip.py"
# Ask ansible-test itself which pip version it bootstraps for this Python.
pip_version=$("$python" -c '
import sys, types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="%d.%d" % sys.version_info[:2]))["pip"])')
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ -f "$cache" ] && [ ! -L "$cache" ] && cmp -s "$bootstrap" "$cache"; then
  echo "ansible-test pip $pip_version bootstrap already cached: $cache"
  exit 0
fi
if [ -e "$cache" ] || [ -L "$cache" ]; then
  echo "replacing a cached pip $pip_version bootstrap that is not the project's: $cache"
  rm -rf "$cache"
fi
mkdir -p "$(dirname "$cache")"
# Copy then rename, so that an ansible-test starting meanwhile never reads half a file.
cp "$bootstrap" "$cache.tmp.$$"
mv -f "$cache.tmp.$$" "$cache"
echo "seeded ansible-test's cache with the offline pip $pip_version bootstrap: $cache"
