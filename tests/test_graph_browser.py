"""archstat graph's HTML page in a real headless browser (Chromium): the script runs, a pinned
node's full row appears beside the picture, and a screenshot is taken. Skipped without a browser.

Run as a script to keep the screenshot and look at it:
    python tests/test_graph_browser.py /tmp/graph.png

The Mermaid text is rendered by Mermaid itself when ``ARCHSTAT_MERMAID_JS`` names a local
``mermaid.min.js`` (e.g. from ``npm pack mermaid``: ``package/dist/mermaid.min.js``); the suite
never downloads it.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
BROWSER = next(filter(None, (shutil.which(b) for b in BROWSERS)), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1300,900"]


def page(folder: Path) -> tuple[Path, str]:
    """GoogLeNet's first Inception module as an HTML page, and the id of its concatenation node."""
    from archstat.analysis.graph import graph_of
    from archstat.options import GraphFormat
    from archstat.render.graph_document import document

    graph = graph_of("googlenet", engine="meta", depth=2, focus="inception3a", input_size="64")
    path = folder / "inception3a.html"
    path.write_text(str(document(graph, GraphFormat.html)), encoding="utf-8")
    return path, graph.node("inception3a: cat").id


def run_browser(*args: str) -> str:
    done = subprocess.run([BROWSER, *FLAGS, *args], capture_output=True, text=True, timeout=120, check=False)
    return done.stdout


def screenshot(path: Path, node: str, out: Path) -> None:
    run_browser(f"--screenshot={out}", f"{path.as_uri()}#node={node}")


@pytest.mark.skipif(BROWSER is None, reason="no headless Chromium installed")
def test_the_page_shows_a_nodes_row_in_a_browser(tmp_path):
    path, cat = page(tmp_path)
    text = path.read_text()
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", text)  # nothing fetched at view time
    dom = run_browser("--dump-dom", f"{path.as_uri()}#node={cat}")
    panel = re.search(r'<aside id="details">(.*?)</aside>', dom, re.S)
    assert panel, dom[:500]
    assert "<h2>inception3a: cat</h2>" in panel.group(1)
    assert "<th>output shape</th><td>1x256x8x8</td>" in panel.group(1)  # 64 + 128 + 32 + 32 maps at 64x64 input
    assert f'class="node chosen" id="{cat}"' in dom or f'id="{cat}" class="node chosen"' in dom
    shot = tmp_path / "shot.png"
    screenshot(path, cat, shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


MERMAID_JS = os.environ.get("ARCHSTAT_MERMAID_JS")


@pytest.mark.skipif(BROWSER is None or not MERMAID_JS, reason="needs Chromium and ARCHSTAT_MERMAID_JS")
def test_mermaid_renders_the_text_without_error(tmp_path):
    from archstat.analysis.graph import graph_of
    from archstat.render.graph import mermaid

    text = mermaid(graph_of("googlenet", engine="meta", depth=3, focus="inception3a", input_size="64"))
    page = tmp_path / "mermaid.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><pre class="mermaid">{html.escape(text)}'
        f'</pre><script src="{Path(str(MERMAID_JS)).resolve().as_uri()}"></script><script>'
        'mermaid.initialize({startOnLoad: false}); mermaid.run().then(() => document.body.dataset.done = "ok")'
        '.catch(e => document.body.dataset.done = "error: " + e.message);</script></body></html>')
    dom = run_browser("--virtual-time-budget=10000", "--dump-dom", page.as_uri())
    assert 'data-done="ok"' in dom, re.findall(r'data-done="[^"]*"', dom)
    assert "inception3a: cat" in dom and "192-&gt;96" in dom  # labels drawn, entity codes decoded


if __name__ == "__main__":
    if BROWSER is None:
        sys.exit("no headless Chromium installed")
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "graph-browser.png").resolve()
    html, node = page(target.parent)
    screenshot(html, node, target)
    print(f"wrote {target} (page {html})")
