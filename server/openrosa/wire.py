"""OpenRosa documents as ODK Collect parses them: form list, manifest, OpenRosaResponse. A pure module."""

from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

FORM_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
RESPONSE_NS = "http://openrosa.org/http/response"


@dataclass(frozen=True)
class FormListEntry:
    form_id: str
    name: str
    version: str
    md5: str
    download_url: str
    manifest_url: str | None


@dataclass(frozen=True)
class MediaFile:
    filename: str
    md5: str
    download_url: str


def form_list_xml(entries: Iterable[FormListEntry]) -> str:
    items = []
    for entry in entries:
        manifest = f"\n      <manifestUrl>{escape(entry.manifest_url)}</manifestUrl>" if entry.manifest_url else ""
        items.append(f"""
    <xform>
      <formID>{escape(entry.form_id)}</formID>
      <name>{escape(entry.name)}</name>
      <version>{escape(entry.version)}</version>
      <hash>md5:{entry.md5}</hash>
      <downloadUrl>{escape(entry.download_url)}</downloadUrl>{manifest}
    </xform>""")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<xforms xmlns="{FORM_LIST_NS}">{"".join(items)}\n</xforms>\n'


def manifest_xml(media_files: Iterable[MediaFile]) -> str:
    items = "".join(f"""
  <mediaFile>
    <filename>{escape(item.filename)}</filename>
    <hash>md5:{item.md5}</hash>
    <downloadUrl>{escape(item.download_url)}</downloadUrl>
  </mediaFile>""" for item in media_files)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns="{MANIFEST_NS}">{items}\n</manifest>\n'


def openrosa_response(message: str, nature: str = "") -> str:
    """Collect shows `message` to the volunteer; nature="error" on failures, "" on success (as Central)."""
    return (f'<OpenRosaResponse xmlns="{RESPONSE_NS}" items="0">\n'
            f'  <message nature="{escape(nature)}">{escape(message)}</message>\n</OpenRosaResponse>\n')
