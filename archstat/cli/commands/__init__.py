"""One module per command (or per family of commands). Each defines plain functions; ``archstat.cli.app``
registers them, explicitly and in one list. A module imports the library inside its commands, so that
building the app for ``--help`` or shell completion imports no torch."""
