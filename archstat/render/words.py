"""Numbers in words live in the core now (``archstat/words.py``), where a result's own description may
use them; this name stays for the code that imports it from here."""

from ..words import byte_text, human, integer, multiple, pair_text, percent, share, signed, signed_percent, times

__all__ = ["byte_text", "human", "integer", "multiple", "pair_text", "percent", "share", "signed",
           "signed_percent", "times"]
