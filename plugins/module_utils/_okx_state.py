# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""The private state directory: rate-limit slots, the repay journal, cached account ids and clock readings.

Everything here is shared by the processes of one user on one machine (parallel forks, loop iterations, two
overlapping runs, an orphaned module process after its ansible-playbook was killed), so every file is written
atomically and every read-modify-write happens under a file lock.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import hashlib
import json
import os
import stat
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - the modules document platform posix
    fcntl = None

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError

STATE_DIR_ENV = "OKX_STATE_DIR"
_FIX = ("set the environment variable %s to a directory that only this user can use (it is created with mode 0700 "
        "if missing)" % STATE_DIR_ENV)
_FIX_FILE = "remove it, or " + _FIX
# A symbolic link in place of a file is refused, not followed (it could point at any file of the user); a FIFO in
# place of a file must be refused, not block the open.
_OPEN_FLAGS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


@contextlib.contextmanager
def _state_errors(path):
    """An OS error on the state directory (disk full, permissions) fails the task with the path, not a traceback."""
    try:
        yield
    except (IOError, OSError) as err:
        raise OKXError("cannot use the state directory %s: %s; %s" % (path, err.strerror or err, _FIX), kind="config")


def default_state_dir(environ=None):
    """OKX_STATE_DIR, else the XDG state directory of the user: never a shared, world-writable path."""
    environ = os.environ if environ is None else environ
    if environ.get(STATE_DIR_ENV):
        return environ[STATE_DIR_ENV]
    base = environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "cryptoops.okx")


def digest(*parts):
    """A short, stable file-name part for identifiers that must not appear in file names (API keys)."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def boot_id():
    """This boot's identity: monotonic clock readings are comparable only within one boot."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return ""


class StateDir:
    """The user's private state directory, checked once, then used for locks and small JSON files."""

    def __init__(self, path=None):
        self._wanted = path
        self._path = None

    @property
    def path(self):
        if self._path is None:
            self._path = self._prepare(self._wanted or default_state_dir())
        return self._path

    @staticmethod
    def _prepare(path):
        with _state_errors(path):
            try:
                os.makedirs(path, 0o700)
            except OSError as err:
                if err.errno != errno.EEXIST:
                    raise
            info = os.lstat(path)
            if not stat.S_ISDIR(info.st_mode):
                raise OKXError("refusing the state directory %s: it is not a directory (a symbolic link or a file): "
                               "%s" % (path, _FIX), kind="config")
            if info.st_uid != os.geteuid():
                raise OKXError("refusing the state directory %s: it belongs to uid %d, not to this user (uid %d), so "
                               "another user could read or change it: %s" % (path, info.st_uid, os.geteuid(), _FIX),
                               kind="config")
            if info.st_mode & 0o077:
                os.chmod(path, 0o700)  # ours: close it rather than refuse
        return path

    def file(self, name):
        return os.path.join(self.path, name)

    @staticmethod
    def _open(path, flags):
        """A descriptor of the file ``path``, only if it is one this user alone controls; OKXError (config) if not.

        The directory is ours and closed, but what is in it may not be (a file left by an older tool, a symbolic link
        or a group-writable file planted while it was open): a lock or a journal another user can change is no lock
        and no journal. Other OS errors (ENOENT, EACCES, ...) are raised as they are, for the caller to judge.
        """
        try:
            fd = os.open(path, flags | _OPEN_FLAGS, 0o600)
        except OSError as err:
            why = {errno.ELOOP: "it is a symbolic link", errno.EISDIR: "it is not a regular file"}.get(err.errno)
            if why is None:
                raise
        else:
            try:
                why = _distrust(os.fstat(fd))
            except OSError:
                os.close(fd)
                raise
            if why is None:
                return fd
            os.close(fd)
        raise OKXError("refusing %s in the state directory: %s; %s" % (path, why, _FIX_FILE), kind="config")

    @contextlib.contextmanager
    def lock(self, name, timeout=None, clock=time.monotonic, sleep=time.sleep):
        """Hold an exclusive lock on the file ``name``; yields its descriptor. None if ``timeout`` ran out."""
        with _state_errors(self.path):
            fd = self._open(self.file(name), os.O_RDWR | os.O_CREAT)
        try:
            if timeout is None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            else:
                deadline = clock() + timeout
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except (IOError, OSError) as err:
                        if err.errno not in (errno.EAGAIN, errno.EACCES):
                            raise
                    if clock() >= deadline:
                        yield None
                        return
                    sleep(0.05)
            yield fd
        finally:
            os.close(fd)

    def _read(self, name):
        """The text of ``name``; None only if there is no such file. OKXError if it is not to be trusted; OSError or
        UnicodeDecodeError if it cannot be read."""
        try:
            fd = self._open(self.file(name), os.O_RDONLY)
        except OSError as err:
            if err.errno == errno.ENOENT:
                return None
            raise
        with os.fdopen(fd, "rb") as handle:
            return handle.read().decode("utf-8")

    def read_text(self, name):
        """The text of the file ``name``, or None when it does not exist.

        Anything else that keeps it from being read (untrusted, unreadable, not UTF-8) fails with its path: for the
        repay journal, a file that cannot be read is not the same as no file.
        """
        path = self.file(name)
        try:
            return self._read(name)
        except (IOError, OSError, UnicodeDecodeError) as err:
            raise OKXError("cannot read %s in the state directory: %s; %s"
                           % (path, getattr(err, "strerror", None) or err, _FIX_FILE), kind="config")

    def read_json(self, name):
        """The JSON object stored under ``name``, or None when there is none or it cannot be read (a cache: a new
        reading is taken). A file that is not to be trusted is refused (OKXError), never used or ignored."""
        try:
            value = json.loads(self._read(name) or "null")
        except (IOError, OSError, ValueError):  # ValueError: also UnicodeDecodeError
            return None
        return value if isinstance(value, dict) else None

    def write_json(self, name, value, durable=False):
        """Replace ``name`` with ``value`` as JSON, as ``write_text`` does."""
        self.write_text(name, json.dumps(value, sort_keys=True), durable=durable)

    def write_text(self, name, text, durable=False):
        """Replace ``name`` atomically: a reader sees the old content or the new, never half of it.

        ``durable``: on disk before this returns (the repay journal), its directory entry too, not only safe from a
        killed process.
        """
        path = self.file(name)
        temporary = "%s.%d.tmp" % (path, os.getpid())
        with _state_errors(self.path):
            # A temporary left by a killed process of the same pid (or a link planted in its place) is removed, so
            # that O_EXCL creates a new file of ours instead of writing through whatever is there.
            _remove(temporary)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN_FLAGS, 0o600)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(text.encode("utf-8"))
                    if durable:
                        handle.flush()
                        os.fsync(handle.fileno())
                os.rename(temporary, path)
            except BaseException:
                _remove(temporary)
                raise
            if durable:
                # The rename is in the directory: without this, power loss may bring back the old entry.
                dir_fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)


def _distrust(info):
    """Why a file of the state directory (its fstat) is not to be trusted, or None."""
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    if info.st_uid != os.geteuid():
        return "it belongs to uid %d, not to this user (uid %d)" % (info.st_uid, os.geteuid())
    if info.st_mode & 0o022:
        return "other users can write it (mode %04o)" % stat.S_IMODE(info.st_mode)
    return None


def _remove(path):
    try:
        os.unlink(path)
    except OSError as err:
        if err.errno != errno.ENOENT:
            raise
