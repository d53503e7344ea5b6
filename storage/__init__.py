"""newsdeck data side: config, database, feeds, parsing, search. Never imports textual or rich."""

__version__ = "0.1.0"
