"""``archstat conventions``: every peer tool's count of a network, by that tool's rules, from
archstat's own call log (``report.conventions``); the tools themselves run only in ``peers``."""
