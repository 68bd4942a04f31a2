"""The report as a page people read (#22.1): viewport tag, figures within the page and as wide as it, clickable to
full size, a banner with the verdict tally, a notice on quick/digits reports, a table of contents; checked in the
HTML always and in headless Chromium at 390 and 1280 px where Chromium is installed."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest
from test_report import fake_run

from hw1cli.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def png_of(width: int, height: int) -> bytes:
    """A real grey PNG of width x height pixels (the size is what the layout test needs, not the picture)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([200]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def suite(root: Path, *, quick: bool, dataset: str = "mnist") -> Path:
    """Two runs with figures wider than any phone (1400 px) and narrower than a desktop page (500 px)."""
    config = {"dataset": dataset, "seed": 0, "seeds": 3}
    fake_run(root, "mnist", [{"model": "shallow", "params": "32258", "test_acc": 0.98}], pngs=("wide.png", "wide.phone.png", "narrow.png"),
             quick=quick, device="cpu (2 threads)", config=config)
    fake_run(root, "gradnorm", [{"final_loss": 0.5, "final_grad_norm": 0.25}], status="running", finished_at=None,
             quick=quick, device="cpu (2 threads)", config=config)
    (root / "mnist" / "wide.png").write_bytes(png_of(1400, 300))
    (root / "mnist" / "wide.phone.png").write_bytes(png_of(700, 900))  # its phone layout (phone_layout.py)
    (root / "mnist" / "narrow.png").write_bytes(png_of(500, 300))
    return root


def test_page_structure_viewport_banner_notice_and_contents(tmp_path: Path) -> None:
    html_path, md_path = write_report(suite(tmp_path, quick=True, dataset="digits"))
    page, markdown = html_path.read_text(), md_path.read_text()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert re.search(r"figure img \{[^}]*width: 100%; max-width: 100%", page)  # the page's width, never wider
    tally = re.search(r'<p class="tally" id="hw1-tally"[^>]*>(.*?)</p>', page)
    verdicts = re.findall(r'<tr><td title="(supported|not supported|inconclusive)">', page)  # the claims table's rows
    counts = [verdicts.count(v) for v in ("supported", "not supported", "inconclusive")]
    assert counts[2] >= 1  # at least the unfinished run's "did it finish" claim
    assert tally and re.sub(r"<[^>]+>", "", tally.group(1)) == "✔ {} / ✘ {} / ? {}".format(*counts)
    banner = page.split('id="hw1-banner"', 1)[1].split("</div>", 1)[0]
    for field in ("<dd>digits</dd>", "<dd>quick</dd>", "<dd>seed 0; 3 seeds per model</dd>", "<dd>cpu (2 threads)</dd>",
                  "<dt>report written</dt>"):
        assert field in banner, field
    assert 'id="hw1-notice"' in page and "not the homework&#39;s results" in page
    contents = page.split('<nav id="hw1-contents">', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="#([^"]+)"', contents) == ["hw1-claims", "mnist", "gradnorm"]
    # narrow screens get wide.png's phone layout; it is not a figure of its own, and narrow.png has none
    sources = re.findall(r'<picture><source media="\(max-width: 640px\)" srcset="data:image/png;base64,([^"]+)">', page)
    assert len(sources) == 1 and base64.b64decode(sources[0]) == (tmp_path / "mnist/wide.phone.png").read_bytes()
    assert page.count("<figure>") == 2 and "wide.phone.png" not in page
    # each figure links to its file, which opens at full size
    assert '<a href="mnist/wide.png" target="_blank"' in page and (tmp_path / "mnist/wide.png").is_file()
    # the Markdown report says the same
    assert "**Claims: {} ✔ supported / {} ✘ not supported / {} ? inconclusive**".format(*counts) in markdown
    assert "| preset | quick |" in markdown and "| dataset | digits |" in markdown
    assert "> **⚠ These runs used the quick preset and the digits dataset" in markdown
    assert "## Contents" in markdown and "- [HW1-1 Deep vs shallow: MNIST](#mnist)" in markdown


def test_a_default_mnist_report_has_no_notice(tmp_path: Path) -> None:
    html_path, md_path = write_report(suite(tmp_path, quick=False))
    assert 'id="hw1-notice"' not in html_path.read_text() and "⚠" not in md_path.read_text()
    assert "<dd>default</dd>" in html_path.read_text()


# Chromium will not make a window narrower than 500 px: the page goes into an iframe of the width to test (its
# own viewport, as on a phone), via srcdoc so the wrapper may read its layout once everything has loaded, and the
# measurements are written into the wrapper's DOM, which --dump-dom prints.
WRAPPER = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" style="border:0;display:block" width="{width}" height="2000" srcdoc="{page}"></iframe>
<script>
window.addEventListener('load', () => {{
  const d = document.getElementById('page').contentDocument;
  const figures = [...d.querySelectorAll('figure img')].map(i => i.getBoundingClientRect());
  const out = {{viewport: d.documentElement.clientWidth, scroll: d.documentElement.scrollWidth,
               content: d.querySelector('h1').getBoundingClientRect().width, right: figures.map(r => r.right),
               width: figures.map(r => r.width), natural: [...d.querySelectorAll('figure img')].map(i => i.naturalWidth),
               tally: d.getElementById('hw1-tally').innerText}};
  const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}});
</script></body></html>"""


def layout(page: Path, width: int) -> dict:
    probe = page.with_name("probe.html")
    probe.write_text(WRAPPER.format(width=width, page=html.escape(page.read_text(), quote=True)))
    profile = tempfile.mkdtemp()
    try:
        dom = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", f"--window-size={max(width, 500)},2000", "--dump-dom", probe.as_uri()],
            capture_output=True, text=True, timeout=120).stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom)
    assert found, dom[-500:]
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_in_chromium_figures_fit_a_phone_and_fill_a_desktop_page(tmp_path: Path) -> None:
    html_path, _ = write_report(suite(tmp_path, quick=True))
    phone = layout(html_path, 390)
    assert phone["viewport"] <= 390 and phone["scroll"] <= phone["viewport"]  # nothing scrolls sideways
    assert all(right <= phone["viewport"] for right in phone["right"]), phone  # the 1400-px figure included
    assert re.fullmatch(r"✔ \d+ / ✘ \d+ / \? [1-9]\d*", phone["tally"].strip()), phone["tally"]
    assert phone["natural"] == [700, 500], phone  # the phone shows wide.png's phone layout; narrow.png has none
    desktop = layout(html_path, 1280)
    assert desktop["natural"] == [1400, 500]  # the desktop shows the figures as drawn
    # on a desktop every figure is the page's content width, the 500-px one too
    assert all(abs(w - desktop["content"]) < 2 for w in desktop["width"]), desktop
    assert desktop["content"] >= 1000 and desktop["scroll"] <= desktop["viewport"]
