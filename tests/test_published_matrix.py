"""reports/matrix.md and reports/matrix.html are the current report of the bundled recordings."""

from __future__ import annotations

import subprocess
import sys

from .conftest import REPO


def test_published_matrix_matches_a_fresh_replay():
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "update_matrix.py"), "--check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_published_matrix_has_no_wall_clock_facts():
    import json
    import re

    markdown = (REPO / "reports" / "matrix.md").read_text(encoding="utf-8")
    assert not re.search(r"started \d{4}-", markdown) and "duration" not in markdown
    page = (REPO / "reports" / "matrix.html").read_text(encoding="utf-8")
    embedded = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1)
    report = json.loads(embedded)  # `<\/` and `<\u0021` are plain JSON escapes
    assert report["started"] is None and report["finished"] is None
    assert not [r for r in report["results"] if "duration_s" in r or "timings" in r]
