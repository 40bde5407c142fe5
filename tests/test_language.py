"""Document language from the jusText stoplists (config/stoplists)."""

from __future__ import annotations

import pytest

from tasks.language import default_stoplists, detect_language, stopword_share

SAMPLES = {
    "en": (
        "The council said on Tuesday that the new bridge would be finished by the end of the year."
    ),
    "de": (
        "Der Stadtrat hat am Dienstag beschlossen, dass "
        "die neue Brücke bis zum Jahresende fertig ist."
    ),
    "fr": "Le conseil a annoncé mardi que le nouveau pont serait terminé avant la fin de l'année.",
    "es": (
        "El consejo anunció el martes que el nuevo "
        "puente estará terminado antes de que acabe el año."
    ),
    "tr": (
        "Belediye meclisi salı günü yeni köprünün yıl "
        "sonuna kadar bitirileceğini açıkladı ve bu çok önemli."
    ),
    "pl": (
        "Rada miasta poinformowała we wtorek, że nowy most zostanie ukończony do końca tego roku."
    ),
    "ru": "Городской совет во вторник сообщил, что новый мост будет построен до конца этого года.",
    "it": (
        "Il consiglio ha annunciato martedì che il "
        "nuovo ponte sarà terminato entro la fine dell'anno."
    ),
    "nl": (
        "De gemeenteraad heeft dinsdag gezegd dat de nieuwe "
        "brug voor het einde van het jaar klaar is."
    ),
}


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_detects_the_language_of_a_sentence(lang: str) -> None:
    got, conf = detect_language(SAMPLES[lang])
    assert got == lang
    assert 0.0 < conf <= 1.0


def test_no_words_no_language() -> None:
    assert detect_language("") == (None, 0.0)
    assert detect_language("12345 ... !!!") == (None, 0.0)


def test_stopword_share_is_higher_in_the_right_language() -> None:
    text = SAMPLES["de"]
    assert stopword_share(text, "de") > 0.3
    assert stopword_share(text, "de") > stopword_share(text, "en")
    assert stopword_share(text, "xx") == 0.0


def test_stoplists_cover_many_languages() -> None:
    stop = default_stoplists()
    assert len(stop.langs) >= 60
    assert {"en", "de", "tr", "ar", "ru", "pl"} <= set(stop.langs)
    assert "und" not in stop.langs
