"""English dates and times: the same as the Japanese (one format in both languages)."""

from config.formats.ja.formats import *  # noqa: F403
