"""What the built wheel says about itself, read from pyproject.toml (building one here would be too slow; the
release commands in docs/install.md build it, check it with twine and install it in a fresh environment)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the metadata is the same on 3.10

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_license_is_mit_and_ships_as_a_file():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Copyright (c) 2026 the archstat authors" in text
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    # PEP 639: with a license expression, a "License ::" classifier is an error for the build backend
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]


def test_the_classifiers_match_what_the_package_is():
    classifiers = set(PROJECT["classifiers"])
    assert {"Environment :: Console", "Programming Language :: Python :: 3 :: Only"} <= classifiers
    assert ("Typing :: Typed" in classifiers) == (ROOT / "archstat" / "py.typed").exists()
    oldest = tuple(int(part) for part in PROJECT["requires-python"].removeprefix(">=").split("."))
    versions = [tuple(int(p) for p in c.rsplit(" ", 1)[1].split(".")) for c in classifiers
                if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert versions and min(versions) == oldest


def test_the_long_description_keywords_and_urls():
    assert PROJECT["readme"] == "README.md" and (ROOT / "README.md").exists()
    assert len(PROJECT["keywords"]) >= 5 and "receptive field" in PROJECT["keywords"]
    for name, url in PROJECT.get("urls", {}).items():  # none until the project has a public home
        assert url.startswith("https://"), (name, url)


def test_the_version_is_read_from_the_package_without_importing_it():
    assert "version" not in PROJECT and PROJECT["dynamic"] == ["version"]
    tree = ast.parse((ROOT / "archstat" / "__init__.py").read_text(encoding="utf-8"))
    versions = [node.value.value for node in tree.body if isinstance(node, ast.Assign)
                and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["__version__"]]
    assert len(versions) == 1 and re.fullmatch(r"\d+\.\d+\.\d+", versions[0])
    assert PROJECT["scripts"] == {"archstat": "archstat.cli.app:main"}
