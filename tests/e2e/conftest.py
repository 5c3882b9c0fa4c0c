# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-to-end fixtures (pytest loads this file; helpers are in helpers.py)."""

import os

import pytest

from tests.e2e.helpers import COLLECTIONS_PATH, MAIN, PlaybookRunner, base_state
from tests.simulator.harness import start_simulator


@pytest.fixture(scope="session", autouse=True)
def installed_collection():
    if not os.path.isdir(os.path.join(COLLECTIONS_PATH, "ansible_collections", "cryptoops", "okx")):
        pytest.fail("the collection is not installed in %s: run `make build-install` first" % COLLECTIONS_PATH)
    return COLLECTIONS_PATH


@pytest.fixture
def state():
    """The simulator's starting state; a test may change it before asking for `sim`."""
    return base_state()


@pytest.fixture
def sim(state, tmp_path):
    simulator = start_simulator(state, str(tmp_path / "sim"))
    yield simulator
    simulator.stop()


@pytest.fixture
def playbook(tmp_path, sim):
    """Run a playbook against the simulator, as the main account unless told otherwise."""
    runner = PlaybookRunner(tmp_path / "ansible", dict(MAIN, OKX_API_URL=sim.url))
    yield runner
    runner.close()
