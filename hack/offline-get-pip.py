"""Offline stand-in for pip's get-pip.py, for ansible-test.

ansible-test bootstraps pip into each virtual environment it creates by running a get-pip.py it downloads from
ci-files.testing.ansible.com, a host that air-gapped machines (and this project's CI) cannot reach. It runs the
cached script as `python get_pip_X_Y.py --disable-pip-version-check pip==X.Y [--no-setuptools] [--no-wheel]`
inside the new environment. This script does the same with what Python ships and the package index pip already
uses: ensurepip gives the environment a pip, which then installs the exact pip version ansible-test asked for.
hack/seed-ansible-test-cache.sh puts it where ansible-test looks for its cached copy.
"""

import subprocess
import sys

GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def main():
    pip_arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY_OPTIONS]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "--upgrade"] + pip_arguments)


if __name__ == "__main__":
    main()
