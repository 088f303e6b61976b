"""Writes ``archstat/zoo_entries.py``: the registry's listing facts as literals, for what must not import torch.

The registry's facts live beside the builders, which import torch (about 2 s): reading them there
would make ``archstat list`` and every TAB press on a model name wait for it. The catalogue copies
the facts ``archstat list`` shows into a module of plain literals (read through
``archstat.zoo_catalogue``); tests/test_zoo_catalogue.py
checks it against the registry field by field. After registering, renaming or changing a model,
regenerate it:

    python -m archstat.models.catalogue --write
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import get_model_info, list_models

TARGET = Path(__file__).resolve().parent.parent / "zoo_entries.py"
REGENERATE = "python -m archstat.models.catalogue --write"

_HEAD = f'''"""The zoo's listing facts as literals, one row of ``zoo_catalogue.ZooEntry``'s fields per registered model.

Generated from the registry by ``{REGENERATE}``; do not edit by hand. Read it through
``archstat.zoo_catalogue``, which makes each row a ``ZooEntry``.
"""

from typing import Any

# In natural order of name, as list_models() sorts them.
ROWS: tuple[dict[str, Any], ...] = (
'''


def render() -> str:
    """The text ``zoo_entries.py`` must hold: the head, then one entry per registered model."""
    rows = []
    for name in list_models():
        info = get_model_info(name)
        # Three lines a model keeps the file under the 400-line rule (tests/test_architecture.py) for ~130 models.
        rows.append(
            f"    dict(name={info.name!r}, family={info.family!r}, year={info.year!r},\n"
            f"         input_size={tuple(info.input_size)!r}, min_input={info.min_input!r},"
            f" variant_of={info.variant_of!r},\n"
            f"         paper={info.paper!r}),\n"
        )
    return _HEAD + "".join(rows) + ")\n"


def main(argv: list[str]) -> int:
    """``--write``: rewrite the catalogue; no argument: exit 1 when it differs from the registry."""
    text = render()
    if argv == ["--write"]:
        TARGET.write_text(text)
        return 0
    if TARGET.read_text() != text:
        print(f"{TARGET} differs from the registry; run: {REGENERATE}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
