"""Query output formats."""

from __future__ import annotations

import json

from flows.render import render


def test_table_csv_json() -> None:
    cols, rows = ["a", "b"], [(1, "x"), (None, "y")]
    assert render(cols, rows, "table").splitlines()[2].split() == ["1", "x"]
    assert render(cols, rows, "csv") == "a,b\n1,x\nNULL,y"
    assert json.loads(render(cols, rows, "json")) == [{"a": 1, "b": "x"}, {"a": None, "b": "y"}]


def test_long_values_are_shown_whole() -> None:
    body = "para one\n\npara two " + "w" * 100
    out = render(["body"], [(body,)], "table")
    assert "    para two " + "w" * 100 in out.splitlines()
