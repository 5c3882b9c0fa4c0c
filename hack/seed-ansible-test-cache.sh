#!/usr/bin/env bash
# Seed ansible-test's cache with the offline pip bootstrap (hack/offline-get-pip.py) under the name the
# ansible-test of the given interpreter looks for, unless a bootstrap script is already cached there.
# Usage: seed-ansible-test-cache.sh [PYTHON]      (PYTHON: the interpreter whose ansible-test will run)
set -euo pipefail
python=${1:-python3}
here=$(cd "$(dirname "$0")" && pwd)
# Ask ansible-test itself which pip version it bootstraps for this Python.
pip_version=$("$python" -c '
import sys, types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="%d.%d" % sys.version_info[:2]))["pip"])')
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ -s "$cache" ]; then
  echo "ansible-test pip $pip_version bootstrap already cached: $cache"
else
  mkdir -p "$(dirname "$cache")"
  cp "$here/offline-get-pip.py" "$cache"
  echo "seeded ansible-test's cache with the offline pip $pip_version bootstrap: $cache"
fi
