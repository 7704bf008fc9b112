"""Parse untrusted XML: no DTD, no entity expansion, no network, bounded size and depth.

Used for uploaded XForms now and for submissions later. A DOCTYPE is refused outright: no ODK
document needs one, and it is where entity bombs and external entities live.
"""

import threading

from lxml import etree

MAX_DEPTH = 128


class UnsafeXML(ValueError):
    """The document was refused or could not be parsed; str() says why."""


def _parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=False)


def parse_xml(data: bytes, max_bytes: int = 20 * 1024 * 1024) -> etree._Element:
    """Return the root element of `data`, or raise UnsafeXML with a reason a person can read."""
    if len(data) > max_bytes:
        raise UnsafeXML(f"the document is larger than {max_bytes} bytes")
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise UnsafeXML("a DOCTYPE or entity declaration is not allowed")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise UnsafeXML(f"not well-formed XML ({error.msg})") from None
    if root.getroottree().docinfo.doctype:
        raise UnsafeXML("a DOCTYPE is not allowed")
    if depth_exceeds(root, MAX_DEPTH):
        raise UnsafeXML(f"elements are nested deeper than {MAX_DEPTH} levels")
    return root


def depth_exceeds(root: etree._Element, limit: int) -> bool:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in element)
    return False


_stored = threading.local()


def parse_stored_xml(data: bytes) -> etree._Element:
    """The root element of XML this server stored after parse_xml accepted it (a submission's version, read for an
    export): the same hardened parser, one per thread and reused, without checking size and depth again."""
    parser = getattr(_stored, "parser", None)
    if parser is None:
        parser = _stored.parser = _parser()
    return etree.fromstring(data, parser)
