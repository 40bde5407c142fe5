"""The CLI: clear one-line errors for unusable arguments, query formats, explain."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import main
from tests.conftest import SEED


def test_missing_input_folder_is_one_line_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--input", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"newsetl: error: input folder not found: {tmp_path / 'nope'}"
    assert "Traceback" not in proc.stderr


def test_bad_logical_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--input", str(tmp_path), "--logical-date", "yesterday"]) == 2
    assert "--logical-date must be YYYY-MM-DD" in capsys.readouterr().err


def test_query_without_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--warehouse", str(tmp_path), "select 1"]) == 2
    assert "run `newsetl run` first" in capsys.readouterr().err


def test_explain_seed_json(capsys: pytest.CaptureFixture[str]) -> None:
    if not SEED.exists():
        pytest.skip("../shared/seeds is not beside this checkout")
    assert main(["explain", str(SEED), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    dropped = [b for b in report["blocks"] if not b["keep"]]
    assert [b["text"] for b in dropped][0] == report["title"]
    assert dropped[1]["text"] == "X" and dropped[1]["reason"] == "close_button"
    assert all(0.0 <= b["score"] <= 1.0 for b in report["blocks"])


def test_explain_rejected_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert main(["explain", str(empty)]) == 0
    assert "rejected at decode: empty" in capsys.readouterr().out


def test_eval_scores_a_small_devset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    score = SEED.parent.parent / "devset" / "score.py"
    if not SEED.exists() or not score.exists():
        pytest.skip("../shared is not beside this checkout")
    devset = tmp_path / "devset"
    (devset / "pages").mkdir(parents=True)
    (devset / "score.py").write_bytes(score.read_bytes())
    (devset / "pages" / "seed.txt").write_bytes(SEED.read_bytes())
    label = {
        "id": "seed",
        "url": "https://example.com/a",
        "lang": "en",
        "with": ["Multiple UN resolutions also call for withdrawal"],
        "without": ["Bu çerezler, kullanıcıların tarayıcı", "Turkish, Russian presidents"],
    }
    (devset / "labels.jsonl").write_text(json.dumps(label, ensure_ascii=False) + "\n")
    assert main(["eval", "--devset", str(devset), "--min-pages", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["all", "1", "1.000", "1.000", "1.000"]
    assert lines[2].split()[0] == "en"


def test_eval_refuses_a_folder_that_is_not_a_devset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "--devset", str(tmp_path)]) == 2
    assert "not a devset folder" in capsys.readouterr().err


def test_command_line_exits_with_its_code_and_all_its_output(tmp_path: Path) -> None:
    """The command line skips the interpreter's teardown (``_exit_without_teardown``):
    its exit code and everything it printed to a pipe still arrive."""
    page = tmp_path / "page.txt"
    page.write_text("A title\n\n" + "\n\n".join(f"Paragraph {i} of the page." for i in range(400)))
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "explain", str(page), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout) > 8192  # more than one pipe buffer of output, flushed at exit
    assert len(json.loads(proc.stdout)["blocks"]) == 401
    bad = [sys.executable, "-m", "flows.cli", "query", "--warehouse", str(tmp_path), "select 1"]
    proc = subprocess.run(bad, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "run `newsetl run` first" in proc.stderr
