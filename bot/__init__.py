"""Cloud data sovereignty question-answering bot: a pure-Python answer engine with a thin Discord shell."""

__version__ = "0.1.0"
