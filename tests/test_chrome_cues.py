"""The comment / teaser / credit / date / score cues of ``tasks.features`` on hand-written lines."""

from __future__ import annotations

from tasks.chrome import CONFIG_DIR, load_resources
from tasks.features import CUES, FEATURE_NAMES, extract

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
