"""HTML path: trafilatura extracts the main text and metadata; the chrome pass runs after.

Settings come from ``[html]`` in config/newsetl.toml (comments excluded by default, the
setting of trafilatura's own evaluation). Heavy imports stay inside the function.
"""

from __future__ import annotations

from tasks.records import Decoded

META_FIELDS = ("title", "author", "date", "sitename", "url", "description", "categories", "tags")


def extract_html(doc: Decoded, options: dict[str, bool]) -> tuple[str, dict[str, str]]:
    """Main text (one paragraph per line) and metadata of an HTML document."""
    import trafilatura

    result = trafilatura.bare_extraction(
        doc.text,
        url=doc.url,
        with_metadata=True,
        include_comments=options.get("include_comments", False),
        include_tables=options.get("include_tables", True),
        favor_precision=options.get("favor_precision", False),
        favor_recall=options.get("favor_recall", False),
        deduplicate=False,
    )
    if result is None:
        return "", {}
    data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    meta: dict[str, str] = {}
    for key in META_FIELDS:
        value = data.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if v)
        if value:
            meta[key] = str(value)
    text = data.get("text") or ""
    # one paragraph per line -> one paragraph per blank-line-separated block
    return "\n\n".join(line for line in text.split("\n") if line.strip()), meta
