"""Print docs/conventions.md's table: every zoo model at its default input, counted by every tool's
rules from archstat's own trace (``archstat conventions``). tests/test_conventions.py checks that the
page holds exactly this.

    python benchmarks/conventions_table.py
"""

from archstat.analysis.conventions.report import conventions
from archstat.models import list_models
from archstat.render.conventions import zoo_conventions_markdown

if __name__ == "__main__":
    print(zoo_conventions_markdown([conventions(name, engine="meta") for name in list_models()]), end="")
