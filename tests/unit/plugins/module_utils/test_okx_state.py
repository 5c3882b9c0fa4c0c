# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The private state directory: where it is, that nobody else can squat it, and how a refusal says what to do."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_state import StateDir, default_state_dir
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError
from ansible_collections.cryptoops.okx.tests.unit.okx_fakes import FakeClock


def test_the_default_is_per_user_and_overridable():
    assert default_state_dir({"OKX_STATE_DIR": "/srv/okx"}) == "/srv/okx"
    assert default_state_dir({"XDG_STATE_HOME": "/home/u/.state"}) == "/home/u/.state/cryptoops.okx"
    assert default_state_dir({}) == os.path.join(os.path.expanduser("~"), ".local", "state", "cryptoops.okx")
    assert not default_state_dir({}).startswith("/tmp")


def test_it_is_created_private(tmp_path):
    path = StateDir(str(tmp_path / "a" / "state")).path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700


def test_an_open_directory_of_ours_is_closed(tmp_path):
    (tmp_path / "state").mkdir(mode=0o777)
    os.chmod(str(tmp_path / "state"), 0o777)
    assert stat.S_IMODE(os.stat(StateDir(str(tmp_path / "state")).path).st_mode) == 0o700


def test_a_symbolic_link_is_refused_with_the_way_out(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    os.symlink(str(tmp_path / "elsewhere"), str(tmp_path / "state"))
    with pytest.raises(OKXError, match="not a directory .*OKX_STATE_DIR"):
        StateDir(str(tmp_path / "state")).path


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a directory to another user")
def test_a_directory_another_user_created_is_refused_with_the_way_out(tmp_path):
    squatted = tmp_path / "state"
    squatted.mkdir(mode=0o700)
    os.chown(str(squatted), 4242, 4242)
    with pytest.raises(OKXError) as caught:
        StateDir(str(squatted)).path
    assert "belongs to uid 4242" in caught.value.msg and "OKX_STATE_DIR" in caught.value.msg


def test_an_unusable_directory_fails_cleanly(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OKXError, match="cannot use the state directory .*OKX_STATE_DIR"):
        StateDir(str(tmp_path / "file" / "state")).path


def test_a_lock_with_a_timeout_gives_up(tmp_path):
    state, clock = StateDir(str(tmp_path)), FakeClock()
    with state.lock("x.lock") as held:
        assert held is not None
        with state.lock("x.lock", timeout=2, clock=clock.monotonic, sleep=clock.sleep) as other:
            assert other is None
    assert sum(clock.sleeps) >= 2


def test_json_files_are_replaced_whole(tmp_path):
    state = StateDir(str(tmp_path))
    assert state.read_json("j.json") is None
    state.write_json("j.json", {"a": 1}, durable=True)
    state.write_json("j.json", {"b": 2})
    assert state.read_json("j.json") == {"b": 2}
    assert sorted(os.listdir(str(tmp_path))) == ["j.json"]
    assert stat.S_IMODE(os.stat(state.file("j.json")).st_mode) == 0o600
