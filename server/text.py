"""Text the databases can store: PostgreSQL's text holds no NUL character, and UTF-8 cannot encode a lone
surrogate (which JSON's \\ud800 escapes and Python's decoders can produce). A pure module."""

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_storable(text: str) -> bool:
    return UNSTORABLE.search(text) is None


def storable(text: str | None, length: int) -> str | None:
    """`text` as a column of `length` characters can keep it: unstorable characters replaced (U+FFFD), cut to
    `length`. For what clients send only to be kept (User-Agent, deviceID, a file's type), never for names."""
    return UNSTORABLE.sub("\ufffd", text)[:length] if text else text
