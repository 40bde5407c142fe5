"""The comment / teaser / credit / date / score cues of ``tasks.features`` on hand-written lines."""

from __future__ import annotations

import random
import re

from tasks.chrome import CONFIG_DIR, load_resources
from tasks.features import _DATE_RX, _SCORE_RX, CUES, FEATURE_NAMES, extract

TEXT = "\n\n".join(
    [
        "Title of the page",
        "Der Bundestag hat am Donnerstag ein neues Gesetz beschlossen, das viele betrifft.",
        "Foto: dpa",
        "Anna Müller schrieb:",
        "Antworten",
        "vor 3 Stunden",
        "Lesen Sie auch: Was das Gesetz für Mieter bedeutet",
        "Palm Bay d. Rockledge 70-44",
        "12.03.2024 14:30",
        "© 2024 Beispiel Verlag",
    ]
)
EXPECTED = {  # unit index -> cues that must fire there
    2: {"credit"},
    3: {"comment"},
    4: {"comment"},
    5: {"comment"},
    6: {"teaser"},
    7: {"score"},
    8: {"date"},
    9: {"credit"},
}


def test_cues_fire_on_their_lines_and_not_on_prose() -> None:
    feats = extract(TEXT, load_resources(CONFIG_DIR))
    first = FEATURE_NAMES.index(f"cue_{CUES[0]}")
    cues = feats.matrix[:, first : first + len(CUES)]
    assert len(feats.texts) == 10
    for unit in range(len(feats.texts)):
        fired = {name for name, v in zip(CUES, cues[unit], strict=True) if v > 0}
        assert fired == EXPECTED.get(unit, set()), (feats.texts[unit], fired)


def test_date_and_score_patterns_match_as_written_plainly() -> None:
    # the patterns are written to start with one \d (faster in re); the plain forms find
    # the same matches (starts and ends), Unicode digits included
    plain_date = re.compile(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")
    plain_score = re.compile(r"\d{1,3} ?[-–] ?\d{1,3}")
    rnd = random.Random(3)
    alphabet = "0123456789./-–: a٣"
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 40))) for _ in range(20000)]
    texts += ["12.05.2024, 10:30", "2024-05-12", "Palm Bay d. Rockledge 70-44", "1 – 2"]
    for text in texts:
        for fast, plain in ((_DATE_RX, plain_date), (_SCORE_RX, plain_score)):
            assert [m.span() for m in fast.finditer(text)] == [
                m.span() for m in plain.finditer(text)
            ], text
