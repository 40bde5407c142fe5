"""A deterministic benchmark corpus: N raw files under ``<out>/<source>/...``.

Each source (site) gets its own chrome template, drawn once from a seeded RNG: a nav
menu, a cookie banner in some language, share lines, a footer, a site name in the
title. Article text is assembled from the long prose-like paragraphs of the devset
dumps (sentences recombined, so paragraphs rarely repeat), in the language of the
page they come from. Some files are HTML (the same article and chrome as markup), some
are cp1252-encoded, some are exact copies of an earlier file (another path), some are
near duplicates (one paragraph changed or dropped).

    python bench/make_corpus.py --n 10000 --out bench/out/corpus-10000

Same ``--seed`` and ``--n`` -> byte-identical files. Generated data is never committed
(``bench/out/`` is git-ignored).
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

# the shared devset beside the checkout (../shared/devset), as tests/conftest.py finds it
DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devset"

# Chrome phrases per language: realistic, but a site only uses some of them.
NAV = {
    "en": "Home News World Politics Business Tech Science Health Sport Culture Opinion "
    "Video Podcasts Weather Travel Lifestyle Subscribe Newsletter Archive Local".split(),
    "de": "Startseite Nachrichten Politik Wirtschaft Sport Kultur Wissen Panorama Meinung "
    "Video Podcast Wetter Reise Leben Abo Newsletter Archiv Region Digital".split(),
    "fr": "Accueil Actualités Monde Politique Économie Sport Culture Sciences Santé "
    "Opinions Vidéos Podcasts Météo Voyage Abonnement Newsletter Archives Régions".split(),
    "es": "Inicio Noticias Mundo Política Economía Deportes Cultura Ciencia Salud Opinión "
    "Vídeos Podcasts Tiempo Viajes Suscríbete Boletín Hemeroteca".split(),
    "pl": "Strona główna Wiadomości Świat Polityka Biznes Sport Kultura Nauka Zdrowie "
    "Opinie Wideo Podcasty Pogoda Podróże Prenumerata Newsletter Archiwum".split(),
    "it": "Home Notizie Mondo Politica Economia Sport Cultura Scienza Salute Opinioni "
    "Video Podcast Meteo Viaggi Abbonati Newsletter Archivio".split(),
}
COOKIE = {
    "en": [
        "We use cookies to improve your experience on our website.",
        "By continuing to browse, you agree to our use of cookies.",
        "This site uses cookies. Find out more in our privacy policy.",
    ],
    "de": [
        "Wir verwenden Cookies, um Ihnen ein optimales Webseiten-Erlebnis zu bieten.",
        "Mit der Nutzung dieser Website erklären Sie sich mit der Verwendung von Cookies "
        "einverstanden.",
        "Diese Website verwendet Cookies. Weitere Informationen in unserer Datenschutzerklärung.",
    ],
    "fr": [
        "Nous utilisons des cookies pour améliorer votre expérience sur notre site.",
        "En poursuivant votre navigation, vous acceptez l'utilisation de cookies.",
        "Ce site utilise des cookies. En savoir plus sur notre politique de confidentialité.",
    ],
    "es": [
        "Utilizamos cookies para mejorar su experiencia en nuestro sitio web.",
        "Si continúa navegando, consideramos que acepta el uso de cookies.",
    ],
    "pl": [
        "Ta strona używa plików cookies w celu świadczenia usług na najwyższym poziomie.",
        "Korzystając ze strony wyrażasz zgodę na używanie plików cookies.",
    ],
    "it": [
        "Questo sito utilizza cookie per migliorare la tua esperienza di navigazione.",
        "Proseguendo la navigazione acconsenti all'uso dei cookie.",
    ],
}
ACCEPT = {
    "en": ["Accept", "OK", "Accept all", "Got it", "Manage settings"],
    "de": ["Akzeptieren", "OK", "Alle akzeptieren", "Einstellungen", "Zustimmen"],
    "fr": ["Accepter", "OK", "Tout accepter", "Paramétrer", "J'accepte"],
    "es": ["Aceptar", "OK", "Aceptar todo", "Configurar"],
    "pl": ["Akceptuję", "OK", "Zgadzam się", "Ustawienia"],
    "it": ["Accetta", "OK", "Accetto", "Impostazioni"],
}
SHARE = {
    "en": [
        "Share on Facebook",
        "Share on Twitter",
        "Share",
        "Tweet",
        "Email",
        "Print",
        "Copy link",
    ],
    "de": ["Auf Facebook teilen", "Twittern", "Teilen", "Per E-Mail senden", "Drucken"],
    "fr": ["Partager sur Facebook", "Partager", "Tweeter", "Envoyer par e-mail", "Imprimer"],
    "es": ["Compartir en Facebook", "Compartir", "Tuitear", "Enviar por correo", "Imprimir"],
    "pl": ["Udostępnij na Facebooku", "Udostępnij", "Tweetnij", "Wyślij e-mailem", "Drukuj"],
    "it": ["Condividi su Facebook", "Condividi", "Twitta", "Invia per email", "Stampa"],
}
FOOTER = {
    "en": ["About us", "Contact", "Privacy policy", "Terms of use", "Advertise", "Careers"],
    "de": ["Impressum", "Kontakt", "Datenschutz", "AGB", "Mediadaten", "Karriere"],
    "fr": ["Mentions légales", "Contact", "Confidentialité", "CGU", "Publicité", "Emploi"],
    "es": ["Aviso legal", "Contacto", "Privacidad", "Publicidad", "Trabaja con nosotros"],
    "pl": ["Regulamin", "Kontakt", "Polityka prywatności", "Reklama", "Praca"],
    "it": ["Chi siamo", "Contatti", "Privacy", "Note legali", "Pubblicità", "Lavora con noi"],
}
RIGHTS = {
    "en": "All rights reserved.",
    "de": "Alle Rechte vorbehalten.",
    "fr": "Tous droits réservés.",
    "es": "Todos los derechos reservados.",
    "pl": "Wszelkie prawa zastrzeżone.",
    "it": "Tutti i diritti riservati.",
}
CLOSE = ["X", "×", "Close", "✕"]
TLDS = [".com", ".de", ".fr", ".es", ".pl", ".it", ".net", ".org", ".ch", ".at"]
SYLLABLES = "ka lo mi ne ru ta ver bo lin dor sen ga pe tri mon cal fa zu rek wen".split()

_SENT = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Þ\"„«])")


@dataclass(frozen=True)
class Site:
    name: str
    lang: str  # chrome language
    text_langs: tuple[str, ...]  # article languages this site publishes in
    nav: tuple[str, ...]
    nav_style: str  # "lines" | "pipe" | "bullets"
    cookie: tuple[str, ...]
    cookie_pos: str  # "top" | "bottom" | "none"
    share: tuple[str, ...]
    footer: tuple[str, ...]
    title_sep: str
    close: str | None


def prose_pool(devset: Path) -> dict[str, list[list[str]]]:
    """Per language: the sentences of each long prose-like paragraph of the devset dumps."""
    langs: dict[str, str] = {}
    labels = devset / "labels.jsonl"
    if labels.exists():
        for line in labels.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            langs[row["id"]] = row.get("lang") or "en"
    pool: dict[str, list[list[str]]] = {}
    for path in sorted((devset / "pages").glob("*.txt")):
        lang = langs.get(path.stem, "en")
        for para in re.split(r"\n\s*\n", path.read_text(encoding="utf-8", errors="replace")):
            para = " ".join(para.split())
            words = para.split()
            if len(para) < 200 or len(words) < 35 or not para.endswith((".", "!", "?", "…", '"')):
                continue
            if sum(w[:1].isupper() for w in words) > 0.6 * len(words):
                continue  # a run of menu items or names, not prose
            sentences = [s for s in _SENT.split(para) if len(s) > 20]
            if sentences:
                pool.setdefault(lang, []).append(sentences)
    return {k: v for k, v in pool.items() if len(v) >= 20}


def make_site(rng: random.Random, index: int, chrome_langs: list[str], text_langs: list[str]):
    lang = rng.choice(chrome_langs)
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    domain = f"{name.lower()}{rng.choice(TLDS)}"
    nav_words = NAV[lang]
    start = rng.randrange(len(nav_words))
    nav = tuple((nav_words * 2)[start : start + rng.randint(5, 14)])
    cookie = tuple(rng.sample(COOKIE[lang], rng.randint(1, len(COOKIE[lang])))) + (
        rng.choice(ACCEPT[lang]),
    )
    footer = tuple(rng.sample(FOOTER[lang], rng.randint(3, len(FOOTER[lang])))) + (
        f"© {rng.randint(1998, 2024)} {domain}. {RIGHTS[lang]}",
    )
    own = [lang] if lang in text_langs else []
    extra = rng.sample(text_langs, min(len(text_langs), rng.randint(0, 2)))
    return Site(
        name=f"{index:04d}-{domain.replace('.', '-')}",
        lang=lang,
        text_langs=tuple(dict.fromkeys(own + extra)) or (rng.choice(text_langs),),
        nav=nav,
        nav_style=rng.choice(["lines", "lines", "pipe", "bullets"]),
        cookie=cookie,
        cookie_pos=rng.choice(["top", "top", "bottom", "none"]),
        share=tuple(rng.sample(SHARE[lang], rng.randint(2, len(SHARE[lang])))),
        footer=footer,
        title_sep=rng.choice([" - ", " | ", " – ", " :: "]) + name,
        close=rng.choice(CLOSE) if rng.random() < 0.3 else None,
    )


def article(rng: random.Random, pool: list[list[str]], target_chars: int) -> list[str]:
    """Paragraphs of recombined sentences: each drawn from one devset paragraph."""
    paras: list[str] = []
    size = 0
    while size < target_chars:
        source = rng.choice(pool)
        k = rng.randint(1, min(6, len(source)))
        start = rng.randrange(len(source) - k + 1)
        sents = source[start : start + k]
        if rng.random() < 0.5 and len(paras) > 0:
            sents = sents + rng.choice(pool)[:1]
        para = " ".join(sents)
        paras.append(para)
        size += len(para) + 2
    return paras


def headline(rng: random.Random, pool: list[list[str]]) -> str:
    words = rng.choice(rng.choice(pool)).split()
    start = rng.randrange(max(1, len(words) - 8))
    text = " ".join(words[start : start + rng.randint(4, 10)]).rstrip(".,;:")
    return text[:1].upper() + text[1:]


def render_text(site: Site, title: str, paras: list[str], rng: random.Random) -> str:
    out = [title + site.title_sep, ""]
    if site.nav_style == "lines":
        out += [*site.nav, ""]
    elif site.nav_style == "pipe":
        out += [" | ".join(site.nav), ""]
    else:
        out += [f"• {n}" for n in site.nav] + [""]
    if site.cookie_pos == "top":
        out += [*site.cookie, ""]
        if site.close:
            out += [site.close, ""]
    out += [title, ""]
    for p in paras:
        out += [p, ""]
    out += [*site.share, ""]
    if site.cookie_pos == "bottom":
        out += [*site.cookie, ""]
    out += [*site.footer]
    return "\n".join(out) + "\n"


def render_html(site: Site, title: str, paras: list[str], lang: str) -> str:
    e = html.escape
    nav = "".join(f'<li><a href="/{e(n.lower())}">{e(n)}</a></li>' for n in site.nav)
    cookie = "".join(f"<p>{e(c)}</p>" for c in site.cookie[:-1])
    body = "".join(f"<p>{e(p)}</p>\n" for p in paras)
    share = "".join(f'<a class="share">{e(s)}</a>' for s in site.share)
    footer = "".join(f"<li>{e(f)}</li>" for f in site.footer)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{e(title + site.title_sep)}</title></head><body>\n"
        f'<header><nav><ul class="menu">{nav}</ul></nav></header>\n'
        f'<div id="cookie-banner" class="consent">{cookie}'
        f"<button>{e(site.cookie[-1])}</button></div>\n"
        f"<main><article><h1>{e(title)}</h1>\n{body}</article>\n"
        f'<div class="social">{share}</div></main>\n'
        f"<footer><ul>{footer}</ul></footer></body></html>\n"
    )


def generate(
    out: Path,
    n: int,
    seed: int = 7,
    sources: int | None = None,
    html_share: float = 0.0,
    dup_share: float = 0.03,
    near_dup_share: float = 0.05,
    cp1252_share: float = 0.02,
    median_chars: int = 8500,
    devset: Path = DEVSET,
) -> dict[str, int]:
    """Write ``n`` files under ``out`` (replaced if present); returns counts by kind."""
    rng = random.Random(seed)
    pool = prose_pool(devset)
    if not pool:
        raise SystemExit(f"no prose paragraphs found under {devset}/pages")
    text_langs = sorted(pool)
    chrome_langs = [lang for lang in NAV if lang in pool] or list(NAV)
    n_sources = sources or max(1, min(400, n // 250))
    sites = [make_site(rng, i, chrome_langs, text_langs) for i in range(n_sources)]
    cum, total = [], 0.0
    for k in range(n_sources):  # a few big sites, a long tail of small ones
        total += 1 / (k + 1) ** 0.8
        cum.append(total)
    if out.exists():
        shutil.rmtree(out)
    counts = {"text": 0, "html": 0, "exact_dup": 0, "near_dup": 0, "cp1252": 0}
    recent: list[tuple[Site, str, list[str], str]] = []  # (site, title, paras, lang)
    written: dict[str, list[Path]] = {}  # per site, its latest files
    for i in range(n):
        site = rng.choices(sites, cum_weights=cum)[0] if i % 3 else sites[i % n_sources]
        folder = out / site.name / f"{2020 + i % 5}" / f"{i % 12 + 1:02d}"
        roll = rng.random()
        same_site = written.get(site.name, [])
        if same_site and roll < dup_share:  # the same page crawled again under another path
            src = rng.choice(same_site)
            path = folder / f"{i:07d}{src.suffix}"
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, path)
            counts["exact_dup"] += 1
            continue
        if recent and roll < dup_share + near_dup_share:
            site, title, paras, lang = rng.choice(recent)
            paras = list(paras)
            j = rng.randrange(len(paras))
            if rng.random() < 0.5 and len(paras) > 2:
                del paras[j]
            else:
                paras[j] = paras[j] + " " + rng.choice(pool[lang])[0]
            folder = out / site.name / f"{2020 + i % 5}" / f"{i % 12 + 1:02d}"
            counts["near_dup"] += 1
        else:
            lang = rng.choice(site.text_langs)
            target = int(min(80_000, max(600, rng.lognormvariate(0, 0.6) * median_chars)))
            title = headline(rng, pool[lang])
            paras = article(rng, pool[lang], target)
            recent = (recent + [(site, title, paras, lang)])[-200:]
        folder.mkdir(parents=True, exist_ok=True)
        if rng.random() < html_share:
            path = folder / f"{i:07d}.html"
            path.write_text(render_html(site, title, paras, lang), encoding="utf-8")
            counts["html"] += 1
        else:
            text = render_text(site, title, paras, rng)
            path = folder / f"{i:07d}.txt"
            if lang in ("de", "fr", "es", "it", "en") and rng.random() < cp1252_share:
                path.write_bytes(text.encode("cp1252", errors="replace"))
                counts["cp1252"] += 1
            else:
                path.write_text(text, encoding="utf-8")
            counts["text"] += 1
        written[site.name] = (written.get(site.name, []) + [path])[-50:]
    counts["sources"] = n_sources
    return counts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=100_000, help="number of files (default 100000)")
    p.add_argument("--out", default="bench/out/corpus", help="output folder (replaced)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--sources", type=int, help="number of sites (default n/250, max 400)")
    p.add_argument("--html-share", type=float, default=0.01, help="share of HTML files")
    p.add_argument("--dup-share", type=float, default=0.03, help="share of exact duplicates")
    p.add_argument("--near-dup-share", type=float, default=0.05, help="share of near duplicates")
    p.add_argument("--devset", default=str(DEVSET))
    a = p.parse_args(argv)
    counts = generate(
        Path(a.out),
        a.n,
        seed=a.seed,
        sources=a.sources,
        html_share=a.html_share,
        dup_share=a.dup_share,
        near_dup_share=a.near_dup_share,
        devset=Path(a.devset),
    )
    print(json.dumps(counts), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
