"""The README's set-up commands are the ones CI runs, and the docs repeat them verbatim."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_blocks() -> list[str]:
    """The fenced code blocks of README.md's "## Set up" section."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Set up\n", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_readme_has_two_setup_commands_install_and_demo_then_tests():
    install, tests = setup_blocks()  # exactly two
    assert "\n" not in install and install.endswith("&& python -m lsr_arrayapi demo")
    assert "pip install" in install and "./plugins/lsr_cayley" in install
    assert tests == "python -m pytest -n auto"


def test_ci_runs_the_readme_blocks_it_reads(tmp_path):
    """.ci/run's own extraction (awk) finds the same two blocks as the test above."""
    script = (ROOT / ".ci" / "run").read_text()
    program = re.search(r"awk -v dir=\"\$blocks\" '(.*?)' README.md", script, re.S)
    assert program is not None, ".ci/run no longer reads the README's blocks with awk"
    subprocess.run(
        ["awk", "-v", f"dir={tmp_path}", program.group(1), str(ROOT / "README.md")], check=True
    )
    found = [p.read_text().strip() for p in sorted(tmp_path.glob("*.sh"))]
    assert found == setup_blocks()
    assert '-m venv "$venv"' in script and 'source "$venv/bin/activate"' in script
    for block in ("1.sh", "2.sh"):
        assert f'bash -euo pipefail "$blocks/{block}"' in script


def test_docs_repeat_the_readme_commands_verbatim():
    """A page that shows the install command shows the test command on the next line."""
    install, tests = setup_blocks()
    pages = {}
    for page in sorted((ROOT / "docs").glob("*.md")):
        lines = page.read_text().splitlines()
        for i, line in enumerate(lines):
            if line.startswith("python -m pip install") and "lsr_cayley" in line:
                pages[page.name] = (line, lines[i + 1] if i + 1 < len(lines) else "")
    assert pages, "no docs page shows the install command"
    assert {name: pair for name, pair in pages.items() if pair != (install, tests)} == {}
