"""What the server needs to know about an XForm, read from its XML: a pure module.

ODK Central reads the same things (lib/data/schema.js): the primary instance's `id` and `version`
attributes, the title, and the media files the form expects to be attached.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from ..safexml import parse_xml

NS = {"h": "http://www.w3.org/1999/xhtml", "xf": "http://www.w3.org/2002/xforms"}
# jr://images/x.png, jr://file-csv/list.csv …: what Central treats as an expected attachment.
MEDIA_URI = re.compile(r"^jr://(images|audio|video|file|file-csv)/([^/]+)$")
ATTACHMENT_TYPES = {"images": "image", "audio": "audio", "video": "video", "file": "file", "file-csv": "file"}
SEARCH_APPEARANCE = re.compile(r"search\(\s*['\"]([^'\"]+)['\"]")
UNSAFE_NAME = re.compile(r"(^\.|[\x00-\x1f\\/:*?\"<>|])")


class XFormError(ValueError):
    """The XML is not an XForm we can serve; str() says why."""


@dataclass(frozen=True)
class Attachment:
    name: str
    type: str  # image | audio | video | file


@dataclass(frozen=True)
class XFormInfo:
    xml_form_id: str
    version: str
    title: str
    attachments: tuple = field(default=())


def read_xform(xml: bytes) -> XFormInfo:
    """Parse an XForm and return its identity and expected attachments, or raise XFormError."""
    root = parse_xml(xml)
    instance_root = primary_instance_root(root)
    xml_form_id = instance_root.get("id")
    if not xml_form_id:
        raise XFormError("the primary instance's root element has no id attribute (the form ID)")
    check_form_id(xml_form_id)
    title = root.findtext("h:head/h:title", default="", namespaces=NS).strip()
    return XFormInfo(xml_form_id, instance_root.get("version") or "", title or xml_form_id,
                     tuple(expected_attachments(root)))


def primary_instance_root(root: etree._Element) -> etree._Element:
    if etree.QName(root).localname != "html":
        raise XFormError("the root element is not <h:html>")
    instances = root.xpath("h:head/xf:model/xf:instance", namespaces=NS)
    elements = [child for child in instances[0] if isinstance(child.tag, str)] if instances else []
    if not elements:  # comments and processing instructions are not the root
        raise XFormError("the form has no primary <instance> in its <model>")
    return elements[0]


def check_form_id(xml_form_id: str) -> None:
    if len(xml_form_id) > 256 or UNSAFE_NAME.search(xml_form_id):
        raise XFormError(f"the form ID {xml_form_id!r} contains characters that cannot appear in a URL path")
    if xml_form_id.lower().endswith((".xls", ".xlsx", ".xml")):
        raise XFormError(f"the form ID {xml_form_id!r} must not end in .xls, .xlsx or .xml")


def expected_attachments(root: etree._Element) -> Iterator[Attachment]:
    """Yield each media or data file the form refers to, once, in document order."""
    seen = set()
    for name, kind in _media_references(root):
        if name not in seen and not UNSAFE_NAME.search(name):
            seen.add(name)
            yield Attachment(name, kind)


def _media_references(root):
    for instance in root.xpath("h:head/xf:model/xf:instance[@src]", namespaces=NS):
        yield from _from_uri(instance.get("src"))
    for node in primary_instance_root(root).iter():  # default values such as jr://images/logo.png
        yield from _from_uri((node.text or "").strip())
    for value in root.iter("{%s}value" % NS["xf"]):
        if value.get("form") in ("image", "big-image", "audio", "video"):
            yield from _from_uri((value.text or "").strip())
    for element in root.iter():
        for match in SEARCH_APPEARANCE.finditer(element.get("appearance") or ""):
            yield match.group(1) + ".csv", "file"
        if element.get("query") is not None and etree.QName(element).localname == "input":
            yield "itemsets.csv", "file"


def _from_uri(uri):
    match = MEDIA_URI.match(uri or "")
    if match:
        yield match.group(2), ATTACHMENT_TYPES[match.group(1)]


def set_version(xml: bytes, version: str) -> bytes:
    """Return the XForm with its primary instance's version attribute set to `version`."""
    root = parse_xml(xml)
    primary_instance_root(root).set("version", version)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8")
