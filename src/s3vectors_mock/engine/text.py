"""Full-text search over one metadata key of one index: analyzers and BM25 scoring from tantivy.

tantivy (the Rust search library behind Quickwit) supplies what a faithful text search needs and what should not
be written by hand: Unicode tokenization, per-language stop words and Snowball stemmers, and Lucene's BM25
(k1 = 1.2, b = 0.75). Each searchable key of an index keeps its own in-memory tantivy index, so BM25 statistics
(document count, document frequencies, average length) are those of that key, as "raw BM25 per matched key" asks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import tantivy

# Han, Hiragana and Katakana characters are single tokens (as in Lucene's StandardTokenizer); other runs of letters
# and digits are words.
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
WORDS = rf"[{_CJK}]|[[\p{{L}}\p{{N}}]&&[^{_CJK}]]+"
SNOWBALL = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "pt": "portuguese",
    "it": "italian",
    "de": "german",
    "nl": "dutch",
}
ANALYZER = "s3vectors_text"
WRITER_HEAP_BYTES = 15_000_000


def analyzer(language: str | None) -> tantivy.TextAnalyzer:
    """The standard analyzer (words, lowercased), plus stop words and stemming for the Snowball languages.

    zh, ja and ko use the standard analyzer: CJK characters are indexed one by one, Hangul words whole.
    """
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(WORDS)).filter(tantivy.Filter.lowercase())
    snowball = SNOWBALL.get(language or "")
    if snowball is not None:
        builder = builder.filter(tantivy.Filter.stopword(snowball)).filter(tantivy.Filter.stemmer(snowball))
    return builder.build()


def text_of(value: Any) -> str | None:
    """The searchable text of a metadata value: a string, or the strings of an array; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        strings = [item for item in value if isinstance(item, str)]
        return " ".join(strings) if strings else None
    return None


class TextField:
    """The full-text index of one metadata key: vector key → analyzed text of that key's value.

    BM25 statistics must describe the current documents only, but a search engine keeps deleted documents in its
    statistics until it merges segments. So additions are indexed incrementally, and after an overwrite or a
    delete the index is rebuilt from the current documents before the next search: scores are a function of what
    is stored, never of its history.
    """

    def __init__(self, language: str | None) -> None:
        self.language = language
        self._analyzer = analyzer(language)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("key", stored=True, tokenizer_name="raw")
        builder.add_text_field("body", stored=False, tokenizer_name=ANALYZER)
        self._schema = builder.build()
        self._documents: dict[str, str] = {}
        self._open()

    def __deepcopy__(self, memo: dict[int, Any]) -> TextField:
        """A copy holding the same documents; its tantivy index (which cannot be copied) is rebuilt on first use."""
        clone = TextField(self.language)
        clone._documents = dict(self._documents)
        clone._stale = True
        memo[id(self)] = clone
        return clone

    def _open(self) -> None:
        self._index = tantivy.Index(self._schema)
        self._index.register_tokenizer(ANALYZER, self._analyzer)
        self._writer = self._index.writer(WRITER_HEAP_BYTES, 1)
        self._pending = False
        self._stale = False

    def write(self, keys: Sequence[str], values: Iterable[Any]) -> None:
        """Index the given vectors' values of this key (replacing what was indexed under those vector keys)."""
        for key, value in zip(keys, values):
            if self._documents.pop(key, None) is not None:
                self._stale = True
            text = text_of(value)
            if text is not None:
                self._documents[key] = text
                if not self._stale:
                    self._writer.add_document(tantivy.Document(key=key, body=text))
                    self._pending = True

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            if self._documents.pop(key, None) is not None:
                self._stale = True

    def _refresh(self) -> None:
        if self._stale:
            self._open()
            for key, text in self._documents.items():
                self._writer.add_document(tantivy.Document(key=key, body=text))
            self._pending = True
        if self._pending:
            self._writer.commit()
            self._index.reload()
            self._pending = False

    def terms(self, text: str) -> list[str]:
        return list(dict.fromkeys(self._analyzer.analyze(text)))

    def search(self, text: str) -> list[tuple[str, float]]:
        """Every (vector key, BM25 score) that matches ``text``, best first, ties by key."""
        self._refresh()
        terms = self.terms(text)
        if not terms or not self._documents:
            return []
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(self._schema, "body", term)) for term in terms]
        )
        searcher = self._index.searcher()
        hits = searcher.search(query, len(self._documents)).hits
        scored = [(str(searcher.doc(address)["key"][0]), float(score)) for score, address in hits]
        return sorted(scored, key=lambda pair: (-pair[1], pair[0]))
