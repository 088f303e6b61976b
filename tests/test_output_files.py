"""--output writes like a shell redirection and replaces nothing but a regular file (cli/files.py,
docs/output.md): each kind of thing a path can lead to, with its type and content checked afterwards.

Devices are made with os.mknod inside the test's own folder (1,7 is a full device, 1,3 a null one);
no test touches the machine's own /dev."""

import errno
import json
import os
import re
import stat
import threading

import pytest
from typer.testing import CliRunner

from archstat.cli.app import app

runner = CliRunner()
LIST = ["list", "lenet*", "-f", "json"]  # a small, torch-free output


def expected() -> str:
    result = runner.invoke(app, LIST)
    assert result.exit_code == 0
    return result.stdout


def mknod_or_skip(path, minor: int) -> None:
    """A character device (1, minor) at ``path``; skipped where devices cannot be made (not root)."""
    if os.geteuid() != 0:
        pytest.skip("making a device needs root")
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("this container may not make devices")


def test_a_regular_file_is_replaced_with_force_and_gets_the_whole_output(tmp_path):
    out = tmp_path / "list.json"
    out.write_text("old")
    assert runner.invoke(app, [*LIST, "-o", str(out), "--force"]).exit_code == 0
    assert stat.S_ISREG(out.lstat().st_mode) and out.read_text() == expected()
    assert [p.name for p in tmp_path.iterdir()] == ["list.json"]


def test_a_symlink_stays_a_link_and_its_target_is_written(tmp_path):
    target = tmp_path / "real" / "list.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    result = runner.invoke(app, [*LIST, "-o", str(link)])
    assert result.exit_code == 2 and "--force" in result.stderr and target.read_text() == "old"
    assert runner.invoke(app, [*LIST, "-o", str(link), "--force"]).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == expected()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real"]
    assert [p.name for p in target.parent.iterdir()] == ["list.json"]  # no temporary file left


def test_a_dangling_symlink_gets_its_target_made(tmp_path):
    link, target = tmp_path / "link.json", tmp_path / "made.json"
    link.symlink_to(target)
    assert runner.invoke(app, [*LIST, "-o", str(link)]).exit_code == 0
    assert link.is_symlink() and target.read_text() == expected()


def test_a_named_pipe_is_written_through_to_its_reader(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = runner.invoke(app, [*LIST, "-o", str(fifo)])  # no --force: nothing is replaced
    reader.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received == [expected().encode()]
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_full_device_is_one_line_exit_2_and_stays_a_device(tmp_path):
    full = tmp_path / "full"
    mknod_or_skip(full, 7)
    result = runner.invoke(app, [*LIST, "-o", str(full), "--force"])
    assert result.exit_code == 2
    assert result.stderr == f"archstat: error: cannot write --output {str(full)!r}: No space left on device.\n"
    assert stat.S_ISCHR(full.lstat().st_mode) and full.lstat().st_rdev == os.makedev(1, 7)
    assert [p.name for p in tmp_path.iterdir()] == ["full"]


def test_a_null_device_takes_the_output_and_stays_a_device(tmp_path):
    null = tmp_path / "null"
    mknod_or_skip(null, 3)
    result = runner.invoke(app, [*LIST, "-o", str(null)])  # no --force: a device is not replaced
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(null.lstat().st_mode) and null.lstat().st_rdev == os.makedev(1, 3)
    assert null.read_bytes() == b"" and [p.name for p in tmp_path.iterdir()] == ["null"]


@pytest.fixture
def read_only_folder(tmp_path, monkeypatch):
    """A folder that takes no new file: chmod 555, and, as root (who may write anyway), the temporary
    file refused the way a read-only folder refuses it."""
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "list.json").write_text("the user's old file")
    folder.chmod(0o555)
    if os.geteuid() == 0:
        from archstat.cli import files

        def refused(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(files.tempfile, "mkstemp", refused)
    yield folder
    folder.chmod(0o755)


def test_a_read_only_folder_refuses_a_new_file_in_one_line(read_only_folder):
    out = read_only_folder / "new.json"
    result = runner.invoke(app, [*LIST, "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr == f"archstat: error: cannot write --output {str(out)!r}: Permission denied.\n"
    assert sorted(p.name for p in read_only_folder.iterdir()) == ["list.json"]


def test_a_writable_file_in_a_read_only_folder_is_written_in_place(read_only_folder):
    out = read_only_folder / "list.json"
    inode = out.stat().st_ino
    assert runner.invoke(app, [*LIST, "-o", str(out), "--force"]).exit_code == 0
    assert out.read_text() == expected() and out.stat().st_ino == inode  # the same file, not a new one
    assert [p.name for p in read_only_folder.iterdir()] == ["list.json"]


def test_a_failed_write_in_place_puts_the_old_content_back(read_only_folder, monkeypatch):
    from archstat.cli import files

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", disk_full)
    out = read_only_folder / "list.json"
    result = runner.invoke(app, [*LIST, "-o", str(out), "--force"])
    assert result.exit_code == 2
    assert result.stderr == f"archstat: error: cannot write --output {str(out)!r}: No space left on device.\n"
    assert stat.S_ISREG(out.lstat().st_mode) and out.read_text() == "the user's old file"


def test_a_full_disk_during_an_atomic_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    from archstat.cli import files

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", disk_full)
    out = tmp_path / "list.json"
    out.write_text("old")
    result = runner.invoke(app, [*LIST, "-o", str(out), "--force"])
    assert result.exit_code == 2 and "No space left on device" in result.stderr
    assert out.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["list.json"]


def test_a_missing_folder_is_one_line_and_nothing_is_made(tmp_path):
    out = tmp_path / "no" / "list.json"
    result = runner.invoke(app, [*LIST, "-o", str(out)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and str(out) in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_dash_is_standard_output_and_makes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*LIST, "-o", "-"])
    assert result.exit_code == 0 and result.stdout == expected() and result.stderr == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("suffix", "fmt"), [(".json", "json"), (".csv", "csv"), (".md", "markdown"),
                                             (".tex", "latex"), (".html", "html"), (".txt", "table")])
def test_the_suffix_names_the_format_unless_format_is_given(tmp_path, suffix, fmt):
    out = tmp_path / f"list{suffix}"
    assert runner.invoke(app, ["list", "lenet*", "-o", str(out)]).exit_code == 0
    assert out.read_text() == runner.invoke(app, ["list", "lenet*", "--format", fmt]).stdout
    given = tmp_path / f"given{suffix}"
    assert runner.invoke(app, ["list", "lenet*", "-o", str(given), "--format", "csv"]).exit_code == 0
    assert given.read_text() == runner.invoke(app, ["list", "lenet*", "--format", "csv"]).stdout


def test_table_alexnet_to_x_json_is_the_json_format(tmp_path):
    out = tmp_path / "x.json"
    args = ["table", "alexnet", "--engine", "meta"]
    assert runner.invoke(app, [*args, "-o", str(out)]).exit_code == 0
    shown = runner.invoke(app, [*args, "--format", "json"]).stdout
    assert out.read_text() == shown
    # by hand, the paper's two-group layout: conv1..5 34,944 + 307,456 + 885,120 + 663,936 + 442,624,
    # fc6..8 37,752,832 + 16,781,312 + 4,097,000
    assert json.loads(shown)["totals"]["params"] == 60_965_224


@pytest.mark.parametrize("where", ["first", "after the command", "last"])
def test_debug_is_taken_anywhere_on_the_line(where):
    args = ["table", "nosuch_model_xyz"]
    line = {"first": ["--debug", *args], "after the command": [args[0], "--debug", args[1]],
            "last": [*args, "--debug"]}[where]
    result = runner.invoke(app, line)
    assert result.exit_code != 0 and type(result.exception).__name__ == "UnknownModelError"  # raised, not one line


def test_plot_takes_output_and_its_old_name_and_a_format(tmp_path):
    for option, name in (("--output", "a.pdf"), ("-o", "b.svg"), ("--out", "c.png")):
        result = runner.invoke(app, ["plot", "lenet5", option, str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in (tmp_path / "b.svg").read_bytes()[:500]
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = runner.invoke(app, ["plot", "lenet5", "-o", "-", "--format", "svg"])
    assert result.exit_code == 0 and b"<svg" in result.stdout_bytes[:500]
    assert not re.search(r"--out\b(?!put)", runner.invoke(app, ["plot", "--help"]).stdout)  # works, unadvertised


def test_graph_writes_dot_to_dash_and_makes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["graph", "lenet5", "--engine", "meta", "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip().startswith("digraph") and list(tmp_path.iterdir()) == []
