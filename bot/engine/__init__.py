"""The answer engine: pure Python, no disk layout, no Discord.

A question flows text -> reading -> search -> answer: `text` normalises and tokenises,
`reading` interprets the question (typos, equivalents, names, phrases, the kind of answer
wanted), `search` ranks passages with BM25 (`bm25`), `answer` applies the relevance rule and
picks the quotes. `glossary`, `synonyms` and `speller` supply the readings; `snapshot` holds one
immutable, searchable picture of a corpus. Nothing here imports from the layers above.
"""
