"""The small immutable records that flow between stages."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import compress, repeat
from typing import Any, ClassVar, Self, TypeVar

_R = TypeVar("_R")


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file found under the input folder."""

    path: str  # absolute path on disk
    rel_path: str  # path relative to the input folder (posix separators)
    source: str | None  # first folder under the input root (``raw/<source>/...``), if any
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class RawDoc:
    """One document's bytes: a whole file, or one record of an archive."""

    rel_path: str
    record: int  # index inside the file (0 for a plain file)
    data: bytes
    source: str | None = None
    format_hint: str | None = None  # "text" | "html" | None (detect)
    url: str | None = None
    fetched_at: datetime | None = None
    declared_charset: str | None = None  # from HTTP headers (WARC) or the container
    offset: int | None = None  # byte offset of the record in the file (archives)
    meta: dict[str, str] = field(default_factory=dict)  # fields the container gave (JSONL)


@dataclass(frozen=True, slots=True)
class Decoded:
    """A document's text after decoding and format detection."""

    rel_path: str
    record: int
    text: str
    format: str  # "text" | "html"
    encoding: str
    encoding_source: str  # "bom" | "utf-8" | "declared" | "detected"
    source: str | None = None
    url: str | None = None
    fetched_at: datetime | None = None
    meta: dict[str, str] = field(default_factory=dict)  # HTML metadata (title, author, date, ...)
    offset: int | None = None
    repaired: str | None = None  # what text repair did ("mojibake"), if anything


@dataclass(frozen=True, slots=True)
class Block:
    """One unit of a document: a paragraph, or a line of one, with its position."""

    position: int  # index in document order
    text: str
    start: int  # character offsets in the decoded text
    end: int


class Columns(Sequence[_R]):
    """A document's records of one kind (``record``, a frozen slots dataclass) kept as
    one column per field, in field order, and read as a sequence of the records, which
    are made on first use (``from_columns``): the run's text path reads the columns and
    never makes them. A slice is the same kind of sequence of the sliced columns (and of
    the records, when they were made). Equal to any sequence of the same records, and
    hashed like their tuple."""

    record: ClassVar[type[Any]]
    __slots__ = ("_cols", "_rows")

    def __init__(self, *columns: Sequence[Any], rows: tuple[_R, ...] | None = None) -> None:
        if len(columns) != len(vars(self.record)["__slots__"]):
            raise TypeError(f"{type(self).__name__} takes one column per field")
        if len({len(c) for c in columns}) > 1:
            raise ValueError(f"{type(self).__name__}'s columns differ in length")
        self._cols = columns
        self._rows = rows

    @classmethod
    def of(cls, records: Iterable[_R]) -> Self:
        """``records`` as columns (itself when it is one of these already); the given
        records are the sequence's records."""
        if isinstance(records, cls):
            return records
        rows = tuple(records)
        names = vars(cls.record)["__slots__"]
        return cls(*([getattr(r, f) for r in rows] for f in names), rows=rows)

    def rows(self) -> tuple[_R, ...]:
        if self._rows is None:
            self._rows = tuple(from_columns(self.record, len(self), self._cols))
        return self._rows

    def __len__(self) -> int:
        return len(self._cols[0])

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        if isinstance(i, slice):
            rows = None if self._rows is None else self._rows[i]
            return type(self)(*(c[i] for c in self._cols), rows=rows)
        return self.rows()[i]

    def __iter__(self) -> Iterator[_R]:
        return iter(self.rows())

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            theirs = other._cols  # type: ignore[attr-defined]
            return all(list(a) == list(b) for a, b in zip(self._cols, theirs, strict=True))
        return isinstance(other, Sequence) and self.rows() == tuple(other)

    def __hash__(self) -> int:
        return hash(self.rows())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.rows())!r})"

    def compress(self, keep: Iterable[bool]) -> Self:
        """The records where ``keep`` is true, as columns."""
        keep = list(keep)
        rows = None if self._rows is None else tuple(compress(self._rows, keep))
        return type(self)(*(list(compress(c, keep)) for c in self._cols), rows=rows)


class Blocks(Columns[Block]):
    """One document's blocks (``Columns``: positions, texts, starts, ends), as
    ``tasks.segment.segment``, ``tasks.templates``, ``tasks.chrome.separate_many`` and
    ``tasks.normalize.article_rows`` read them."""

    record = Block
    __slots__ = ()

    @property
    def positions(self) -> Sequence[int]:
        return self._cols[0]

    @property
    def texts(self) -> Sequence[str]:
        return self._cols[1]

    @property
    def starts(self) -> Sequence[int]:
        return self._cols[2]

    @property
    def ends(self) -> Sequence[int]:
        return self._cols[3]


@dataclass(frozen=True, slots=True)
class Decision:
    """Keep (article) or drop (chrome) one block, with a reason code and a body score."""

    position: int
    keep: bool
    reason: str
    score: float  # estimated probability that the block is article body, 0..1


class Decisions(Columns[Decision]):
    """One document's decisions (``Columns``: positions, keep, reasons, scores) as the
    separator computes them (``tasks.chrome.decide``); ``tasks.normalize.article_rows``
    reads the columns (~0.05 ms a devset dump saved)."""

    record = Decision
    __slots__ = ()

    @property
    def positions(self) -> Sequence[int]:
        return self._cols[0]

    @property
    def keep(self) -> Sequence[bool]:
        return self._cols[1]

    @property
    def reasons(self) -> Sequence[str]:
        return self._cols[2]

    @property
    def scores(self) -> Sequence[float]:
        return self._cols[3]


@dataclass(frozen=True, slots=True)
class Separation:
    """What the chrome separator says about one document (``decisions``: a ``Decisions``
    from the separator, or any sequence of records, one per block)."""

    blocks: Sequence[Block]  # a ``Blocks`` from the separator, or a tuple of records
    decisions: Sequence[Decision]
    title: str | None
    title_position: int | None
    language: str | None
    language_confidence: float
    site_name: str | None = None

    @property
    def body_blocks(self) -> Blocks:
        """The kept blocks, as columns (of the given records, when records were given)."""
        keep = Decisions.of(self.decisions).keep
        blocks = Blocks.of(self.blocks)
        if len(keep) != len(blocks):
            raise ValueError("a separation needs one decision per block")
        return blocks.compress(keep)


@dataclass(frozen=True, slots=True)
class Article:
    """One clean article row (see ``warehouse.schemas.ARTICLES``)."""

    doc_id: str
    source_path: str
    record: int
    source: str | None
    title: str | None
    body: str
    language: str | None
    language_confidence: float
    word_count: int
    char_count: int
    paragraph_count: int
    chrome_ratio: float
    content_sha256: str
    published_at: datetime | None
    url: str | None
    format: str
    encoding: str
    encoding_source: str | None = None  # bom | sniffed | utf-8 | declared | detected
    text_repair: str | None = None  # "mojibake" when UTF-8-read-as-cp1252 was undone
    record_offset: int | None = None  # byte offset of the record in its file (archives)
    domain: str | None = None  # host of ``url`` without www.
    source_from: str | None = None  # url | folder | sitename | title
    published_at_source: str | None = None  # html_meta | container | dateline | warc_date
    fetched_at: datetime | None = None  # capture time (WARC-Date)
    author: str | None = None
    description: str | None = None
    site_name: str | None = None
    categories: str | None = None
    tags: str | None = None


@dataclass(frozen=True, slots=True)
class ChromeSegment:
    """One dropped piece of a document, with the reason it was dropped."""

    doc_id: str
    position: int
    text: str
    reason: str
    score: float


@dataclass(frozen=True, slots=True)
class Reject:
    """A document or file that yielded no article, and why."""

    source_path: str
    record: int
    stage: str
    reason: str
    detail: str = ""


_SLOT_SETTERS: dict[type, tuple[Callable[[Any, Any], None], ...]] = {}


def from_columns(cls: type[_R], n: int, columns: Sequence[Iterable[Any]]) -> list[_R]:
    """``n`` records of the frozen slots dataclass ``cls`` from one iterable per field (in
    field order), built twice as fast as through ``__init__`` (which only sets the same
    slots, one Python call each): the slots are filled column by column through their
    descriptors."""
    setters = _SLOT_SETTERS.get(cls)
    if setters is None:
        names = vars(cls)["__slots__"]  # a slots dataclass: its fields, in order
        setters = _SLOT_SETTERS[cls] = tuple(getattr(cls, f).__set__ for f in names)
    out: list[_R] = list(map(object.__new__, repeat(cls, n)))
    for setter, column in zip(setters, columns, strict=True):
        deque(map(setter, out, column), 0)
    return out
