"""bench/train_chrome.py's teachers: how several extractors' texts become unit labels."""

from __future__ import annotations

import numpy as np

from bench.train_chrome import Teachers, labels_of

LABEL = {"with": ["alpha beta"], "without": ["menu"]}
UNITS = ["Title", "alpha beta gamma", "menu item", "some prose line here", "other"]


def test_majority_vote_and_left_out_disagreements() -> None:
    teachers = Teachers(
        [
            {"p": "alpha beta gamma\nsome prose line here\nmenu item"},
            {"p": "alpha beta gamma\nsome prose line here"},
            {"p": "other"},
        ],
        "majority",
        0.0,
    )
    (y,), (w,) = teachers.labels([LABEL], [UNITS], ["p"], True)[""]
    # the snippets decide their units whatever the teachers say: "menu item" is chrome
    assert y == [0, 1, 0, 1, 0]
    # 2 of 3 keep "some prose line here"; 1 of 3 "other": both split, so weight 0
    assert w == [1.0, 1.0, 1.0, 0.0, 0.0]


def test_an_empty_text_abstains() -> None:
    teachers = Teachers([{"p": "other"}, {"p": ""}], "all", 1.0)
    (y,), (w,) = teachers.labels([LABEL], [UNITS], ["p"], True)[""]
    assert y == [0, 1, 0, 0, 1]  # the one teacher that read the page decides
    assert w == [1.0] * 5


def test_per_fold_teacher_labels_reach_the_fits_that_exclude_those_folds() -> None:
    fold_texts = {"": {"p": "other"}, "0,2": {"p": "some prose line here"}}
    taught = Teachers([{"folds": fold_texts}], "majority", 1.0).labels(
        [LABEL], [UNITS], ["p"], True
    )
    assert sorted(taught) == ["", "0,2"]
    rows = np.arange(1, 5)  # training rows: every unit but the title
    data = {
        "y": np.array(taught[""][0][0])[rows],
        "y_ex": {k: (np.array(y[0])[rows], np.array(w[0])[rows]) for k, (y, w) in taught.items()},
    }
    assert labels_of(data, (2, 0))[0].tolist() == [1, 0, 1, 0]
    assert labels_of(data, (1,))[0].tolist() == [1, 0, 0, 1]  # no such key: the "" labels
    no_teacher = {"y": np.array([1, 0]), "y_ex": {}}
    y, keep = labels_of(no_teacher, (0,))
    assert y.tolist() == [1, 0] and keep is None
