"""Text the databases can store: PostgreSQL's text holds no NUL character, and UTF-8 cannot encode a lone
surrogate (which JSON's \\ud800 escapes and Python's decoders can produce). A pure module."""

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_storable(text: str) -> bool:
    return UNSTORABLE.search(text) is None
