"""Writing a command's output to the path the user gave (``--output``, ``--plot``), the way a shell
redirection would, without ever destroying anything that is not a regular file.

What is at the path decides how it is written (docs/output.md):
- ``-``: standard output.
- nothing, or a regular file (``--force`` needed to replace one): written atomically, through a temporary
  file beside it that then replaces it, so a reader never sees half a file and a failure leaves the old one
  as it was. When the folder takes no new file (read-only folder, a file the user may write in a folder they
  may not), the file is written in place instead, its old content kept in memory and put back if the write fails.
- a symbolic link: followed; its target is written as above (the link stays a link).
- a character or block device, a named pipe, a socket, ``/dev/fd/N`` or ``/dev/stdout``: written through,
  opened and written as a shell's ``>`` would (nothing is replaced, so no ``--force`` is needed).
- a folder: refused.

Every failure to write (permission, read-only file system, missing folder, full disk) becomes one
``UsageError`` naming the path and the reason (exit 2), and leaves no temporary file behind.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from ..errors import UsageError

STDOUT = "-"  # the path that means standard output
# Paths that name an open descriptor: written through even when the descriptor is a regular file, as the
# shell that opened it would (replacing the file would leave the descriptor on the old, unlinked one).
_DESCRIPTORS = ("/dev/fd/", "/proc/self/fd/", "/dev/stdout", "/dev/stderr")


def is_stdout(path: Path | str) -> bool:
    """Whether ``path`` is ``-``, standard output."""
    return str(path) == STDOUT


def _status(path: Path) -> os.stat_result | None:
    """What ``path`` leads to, links followed; None when nothing is there (or a link leads nowhere)."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _written_through(path: Path, status: os.stat_result | None) -> bool:
    """A device, pipe or socket, or a path naming an open descriptor: written, never replaced."""
    if status is None:
        return False
    return not stat.S_ISREG(status.st_mode) or str(path).startswith(_DESCRIPTORS)


def _target(path: Path) -> Path:
    """The file a regular write lands in: a symbolic link's target (followed to the end), else ``path``."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def check_writable(path: Path, option: str, force: bool) -> None:
    """Refuse, before anything is computed, a path a command could not write or should not replace:
    an existing regular file without ``--force``, a folder, or a file in a folder that does not exist.
    ``option`` names the option that gave ``path`` in the message ("--output", "--plot")."""
    if is_stdout(path):
        return
    shown = repr(str(path))
    try:
        status = _status(path)
    except OSError as error:  # a path through a file, a loop of links, no permission to look
        raise UsageError(f"cannot write {option} {shown}: {_reason(error)}.") from None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise UsageError(f"{option} {shown} is a folder; give a file name inside it.")
    if _written_through(path, status):
        return
    if status is not None and not force:
        raise UsageError(f"{option} {shown} exists; give --force to overwrite it, or another file name.")
    folder = _target(path).parent
    if not folder.is_dir():
        raise UsageError(f"{option} {shown}: folder {str(folder)!r} does not exist; create it first "
                         "or give a file in a folder that exists.")


def write_output(path: Path, content: str | bytes, option: str = "--output") -> None:
    """Write ``content`` (text as UTF-8, or bytes: a picture) to ``path`` by the rules in the module
    docstring; any ``OSError`` becomes one ``UsageError`` naming ``path`` and the reason."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        if is_stdout(path):
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        status = _status(path)
        if status is not None and stat.S_ISDIR(status.st_mode):
            raise UsageError(f"{option} {str(path)!r} is a folder; give a file name inside it.")
        if _written_through(path, status):
            with open(path, "wb") as stream:  # as '>' opens it; a device ignores the truncation
                stream.write(data)
            return
        _replace(_target(path), data)
    except OSError as error:
        raise UsageError(f"cannot write {option} {str(path)!r}: {_reason(error)}.") from None


def _file_mode(path: Path) -> int:
    """The permission bits of ``path`` if it exists, else those a new file gets (0o666 less the umask)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)  # the umask can only be read by setting it; put back at once
        os.umask(umask)
        return 0o666 & ~umask


def _replace(path: Path, data: bytes) -> None:
    """``data`` into the regular file ``path`` atomically, through a temporary file beside it; in place
    (the old content kept until the new is written) when the folder takes no new file."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError:
        if not path.is_file():
            raise  # nothing to write in place: the folder's own refusal is the reason
        _write_in_place(path, data)
        return
    try:
        os.chmod(temporary, _file_mode(path))  # the mode open() would give, not mkstemp's 0o600
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())  # a full disk says so here, before the old file is replaced
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_in_place(path: Path, data: bytes) -> None:
    """Overwrite ``path`` in place; if the write fails, its old bytes are written back before the error
    goes on (they fitted before, so they fit again: the file is never shortened before the write)."""
    with open(path, "r+b") as stream:
        old = stream.read()
        try:
            stream.seek(0)
            stream.write(data)
            stream.truncate()
            stream.flush()
            os.fsync(stream.fileno())
        except OSError:
            stream.seek(0)
            stream.write(old)
            stream.truncate(len(old))
            stream.flush()
            raise
