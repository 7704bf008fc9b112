"""server/safexml.py: untrusted XML is parsed without DTDs, entities, network or unbounded depth."""

import pytest

from server.safexml import MAX_DEPTH, UnsafeXML, parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>"""


def nested(depth):
    return b"<a>" * depth + b"</a>" * depth


@pytest.mark.parametrize("document", [
    b"<!DOCTYPE a><a/>",
    b'<!DOCTYPE a SYSTEM "http://example.org/a.dtd"><a/>',
    b"<!doctype a><a/>",
    b'<?xml version="1.0"?>\n<!DOCTYPE a [<!ELEMENT a ANY>]><a/>',
    BILLION_LAUGHS,
    b'<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><a>&xxe;</a>',
    b'<!DOCTYPE a [<!ENTITY % p SYSTEM "http://example.org/p.dtd"> %p;]><a/>',
    # Past the first 4 KiB, behind a long comment, and in UTF-16: still refused.
    b"<!--" + b"x" * 5000 + b"--><!DOCTYPE a><a/>",
    BILLION_LAUGHS.replace(b'<?xml version="1.0"?>',
                           b'<?xml version="1.0" encoding="UTF-16"?>').decode().encode("utf-16"),
], ids=["doctype", "external-dtd", "lowercase-doctype", "internal-subset", "billion-laughs", "external-entity",
        "parameter-entity", "doctype-after-4k", "utf16-billion-laughs"])
def test_doctype_and_entities_are_refused(document):
    with pytest.raises(UnsafeXML) as raised:
        parse_xml(document)
    assert "DOCTYPE" in str(raised.value)


def test_refused_external_entity_is_never_read():
    with pytest.raises(UnsafeXML) as raised:
        parse_xml(b'<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><a>&xxe;</a>')
    assert "root:" not in str(raised.value)


@pytest.mark.parametrize("depth, allowed", [(1, True), (MAX_DEPTH, True), (MAX_DEPTH + 1, False), (10_000, False)])
def test_depth_is_bounded(depth, allowed):
    assert MAX_DEPTH == 128
    if allowed:
        assert parse_xml(nested(depth)).tag == "a"
    else:
        with pytest.raises(UnsafeXML):
            parse_xml(nested(depth))


def test_depth_over_the_limit_says_so():
    with pytest.raises(UnsafeXML, match="nested deeper than 128 levels"):
        parse_xml(nested(MAX_DEPTH + 1))


@pytest.mark.parametrize("document", [
    b"",
    b"hello",
    b"<a>",
    b"<a></b>",
    b"<a/><b/>",
    b"<a>&undeclared;</a>",
    b"<a>\x00</a>",
    b"<x:a/>",
    b'<?xml version="1.0" encoding="no-such-encoding"?><a/>',
    b"<a b='1' b='2'/>",
], ids=["empty", "text", "unclosed", "mismatched", "two-roots", "undeclared-entity", "nul", "unbound-prefix",
        "unknown-encoding", "duplicate-attribute"])
def test_malformed_xml_is_refused_as_not_well_formed(document):
    with pytest.raises(UnsafeXML) as raised:
        parse_xml(document)
    assert str(raised.value).startswith("not well-formed XML (")


def test_size_is_bounded():
    document = b"<a>" + b"x" * 100 + b"</a>"
    assert parse_xml(document, max_bytes=len(document)).text == "x" * 100
    with pytest.raises(UnsafeXML, match="larger than"):
        parse_xml(document, max_bytes=len(document) - 1)


@pytest.mark.parametrize("document, tag, text", [
    (b"<a>x</a>", "a", "x"),
    ("<a>Hộ gia đình</a>".encode("utf-8"), "a", "Hộ gia đình"),
    (b"\xef\xbb\xbf<a>bom</a>", "a", "bom"),
    ('<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>'.encode("latin-1"), "a", "é"),
    (b"<a><!-- ENTITY is only a word here --><![CDATA[<b/>]]></a>", "a", "<b/>"),
    (b"<a>&lt;&amp;&#x1EA1;</a>", "a", "<&ạ"),
    (b'<h:a xmlns:h="urn:x">t</h:a>', "{urn:x}a", "t"),
], ids=["plain", "utf8", "bom", "latin1", "comment-and-cdata", "predefined-and-char-refs", "namespaced"])
def test_ordinary_xml_parses(document, tag, text):
    root = parse_xml(document)
    assert root.tag == tag and "".join(root.itertext()) == text


def test_xinclude_is_not_processed():
    root = parse_xml(b'<a xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd" parse="text"/></a>')
    assert "root:" not in "".join(root.itertext())
    assert root[0].tag == "{http://www.w3.org/2001/XInclude}include"
