# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The private state directory: where it is, that nobody else can squat it, and how a refusal says what to do."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os
import stat

import pytest

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_state import StateDir, default_state_dir
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError
from ansible_collections.cryptoops.okx.tests.unit.okx_model_mock import FakeClock


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


def test_text_files_are_replaced_whole_and_read_back(tmp_path):
    state = StateDir(str(tmp_path))
    assert state.read_text("t.txt") is None
    state.write_text("t.txt", "première", durable=True)
    assert state.read_text("t.txt") == "première"
    assert sorted(os.listdir(str(tmp_path))) == ["t.txt"]


def test_a_durable_write_syncs_the_file_and_then_its_directory(tmp_path, monkeypatch):
    state, synced = StateDir(str(tmp_path)), []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)
    monkeypatch.setattr(os, "fsync", fsync)
    state.write_json("j.json", {"a": 1}, durable=True)
    assert synced == [False, True]
    del synced[:]
    state.write_json("j.json", {"a": 2})
    assert synced == []


def test_a_stale_temporary_is_replaced_not_written_through(tmp_path):
    state, outside = StateDir(str(tmp_path / "state")), tmp_path / "outside"
    outside.write_text("keep")
    os.symlink(str(outside), state.file("j.json.%d.tmp" % os.getpid()))
    state.write_json("j.json", {"a": 1})
    assert outside.read_text() == "keep"
    assert sorted(os.listdir(state.path)) == ["j.json"] and state.read_json("j.json") == {"a": 1}


def test_a_failed_write_leaves_no_temporary(tmp_path):
    state = StateDir(str(tmp_path))
    os.mkdir(state.file("j.json"))  # rename cannot replace a directory
    with pytest.raises(OKXError, match="cannot use the state directory"):
        state.write_text("j.json", "{}")
    assert os.listdir(str(tmp_path)) == ["j.json"]


# --- files in the directory: only ones this user alone controls -----------------------------------------------------

def refusal(call, *args):
    with pytest.raises(OKXError) as caught:
        with contextlib.ExitStack() as stack:
            result = call(*args)
            if hasattr(result, "__enter__"):
                stack.enter_context(result)
    assert caught.value.kind == "config" and "OKX_STATE_DIR" in caught.value.msg and "remove it" in caught.value.msg
    return caught.value.msg


def every_reader(state):
    return (state.read_json, state.read_text, state.lock)


def test_a_group_writable_file_is_refused_by_every_reader(tmp_path):
    state = StateDir(str(tmp_path))
    state.write_json("j.json", {"a": 1})
    os.chmod(state.file("j.json"), 0o664)
    for call in every_reader(state):
        assert "other users can write it (mode 0664)" in refusal(call, "j.json")
        assert state.file("j.json") in refusal(call, "j.json")


def test_a_symbolic_link_in_place_of_a_file_is_refused_not_followed(tmp_path):
    state, target = StateDir(str(tmp_path / "state")), tmp_path / "target.json"
    target.write_text('{"uid": "1"}')
    os.symlink(str(target), state.file("j.json"))
    os.symlink(str(tmp_path / "nowhere"), state.file("dangling.lock"))
    for call in every_reader(state):
        assert "is a symbolic link" in refusal(call, "j.json")
    assert "is a symbolic link" in refusal(state.lock, "dangling.lock")
    assert not (tmp_path / "nowhere").exists()


def test_a_fifo_or_a_directory_in_place_of_a_file_is_refused_without_blocking(tmp_path):
    state = StateDir(str(tmp_path))
    os.mkfifo(state.file("fifo.json"))
    os.mkdir(state.file("dir.json"))
    for name in ("fifo.json", "dir.json"):
        for call in every_reader(state):
            assert "not a regular file" in refusal(call, name)


def test_a_file_of_another_user_is_refused(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to give a file to another user")
    state = StateDir(str(tmp_path))
    state.write_json("j.json", {"a": 1})
    os.chown(state.file("j.json"), 65534, 65534)
    for call in every_reader(state):
        assert "belongs to uid 65534" in refusal(call, "j.json")


def test_a_file_that_is_not_utf8_fails_read_text_and_is_no_cache(tmp_path):
    state = StateDir(str(tmp_path))
    with open(state.file("j.json"), "wb") as handle:
        handle.write(b'{"a": "\xff"}')
    os.chmod(state.file("j.json"), 0o600)
    with pytest.raises(OKXError, match="cannot read %s" % state.file("j.json")) as caught:
        state.read_text("j.json")
    assert caught.value.kind == "config"
    assert state.read_json("j.json") is None  # a cache: a new reading is taken


def test_an_unreadable_file_fails_read_text_and_is_no_cache(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads a file of mode 0200")
    state = StateDir(str(tmp_path))
    state.write_json("j.json", {"a": 1})
    os.chmod(state.file("j.json"), 0o200)
    with pytest.raises(OKXError, match="cannot read .*j.json.*Permission denied.*OKX_STATE_DIR"):
        state.read_text("j.json")
    assert state.read_json("j.json") is None


def test_broken_json_is_no_cache(tmp_path):
    state = StateDir(str(tmp_path))
    state.write_text("j.json", '{"a": ')
    state.write_text("list.json", "[1]")
    assert state.read_json("j.json") is None and state.read_json("list.json") is None
    assert state.read_text("j.json") == '{"a": '
