#!/usr/bin/env bash
# Unit tests on the staged copy of the working tree (`make stage`: STAGE is .../ansible_collections/cryptoops/okx),
# with the ansible-core of the given venv's Python. What `make units`, `make units-X.Y` run.
# Usage: K=EXPRESSION units.sh PYTHON STAGE [PATH[::TEST] ...]
#   No K and no ::TEST: `ansible-test units` on those paths (all of tests/unit without any), as CI runs it.
#   K (a pytest -k expression) or a ::TEST: ansible-test units cannot select tests, so pytest runs them itself, in the
#   staged copy, with ansible-test's own pytest plugins (the collection loader, a fork per test) and the same
#   configuration; only the separation of module tests from controller code is ansible-test's alone.
set -euo pipefail
python=$1
stage=$2
shift 2
k=${K:-}
cd "$stage"
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
selects=false
for target in "$@"; do
  case $target in *::*) selects=true ;; esac
done
if [ -z "$k" ] && [ "$selects" = false ]; then
  exec "$(dirname "$python")/ansible-test" units --local --python "$version" -v "$@"
fi
ansible_test=$("$python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
min_python=$("$python" -c 'from ansible_test._internal.constants import CONTROLLER_MIN_PYTHON_VERSION as v; print(v)')
# The directory holding ansible_collections/, which ansible-test's collection plugin needs as the collections path.
root=$(cd ../../.. && pwd)
args=(-p no:cacheprovider -r a -n auto --color no -v -c "$ansible_test/_data/pytest/config/default.ini"
  --rootdir "$stage" --confcutdir "$stage")
[ -n "$k" ] && args+=(-k "$k")
[ $# -gt 0 ] || set -- tests/unit
ANSIBLE_COLLECTIONS_PATH=$root ANSIBLE_CONTROLLER_MIN_PYTHON_VERSION=$min_python \
  PYTHONPATH=$root:$ansible_test/_util/target/pytest/plugins PYTEST_PLUGINS=ansible_pytest_collections,ansible_forked \
  exec "$python" -m pytest "${args[@]}" "$@"
