"""server/forms/xform.py: what the server reads from an XForm (identity, title, expected media) and set_version."""

import pytest

from server.forms.xform import Attachment, XFormError, read_xform, set_version
from server.safexml import UnsafeXML


def xform(instance='<data id="ho_gia_dinh" version="3"><ten/></data>', model="", body="",
          title="<h:title>Hộ gia đình</h:title>"):
    return f"""<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
        xmlns:jr="http://openrosa.org/javarosa" xmlns:odk="http://www.opendatakit.org/xforms">
  <h:head>{title}<model><instance>{instance}</instance>{model}</model></h:head>
  <h:body>{body}</h:body>
</h:html>""".encode("utf-8")


@pytest.mark.parametrize("document, form_id, version, title", [
    (xform(), "ho_gia_dinh", "3", "Hộ gia đình"),
    (xform('<data id="f" version="2024-01-02 v1"><q/></data>'), "f", "2024-01-02 v1", "Hộ gia đình"),
    (xform('<data id="f"><q/></data>'), "f", "", "Hộ gia đình"),
    (xform(title=""), "ho_gia_dinh", "3", "ho_gia_dinh"),
    (xform(title="<h:title>   </h:title>"), "ho_gia_dinh", "3", "ho_gia_dinh"),
    (xform(title="<h:title>  Khảo sát  </h:title>"), "ho_gia_dinh", "3", "Khảo sát"),
    (xform('<data id="Spec test"><q/></data>'), "Spec test", "", "Hộ gia đình"),
    (xform('<data id="hộ_gia_đình"><q/></data>'), "hộ_gia_đình", "", "Hộ gia đình"),
    (xform(f'<data id="{"a" * 256}"><q/></data>'), "a" * 256, "", "Hộ gia đình"),
    # The first <instance> is the primary one; a secondary one after it does not change the identity.
    (xform(model='<instance id="other"><root id="not_me" version="9"/></instance>'), "ho_gia_dinh", "3", "Hộ gia đình"),
], ids=["basic", "free-text-version", "no-version", "no-title", "blank-title", "title-trimmed", "space-in-id",
        "unicode-id", "id-256-chars", "secondary-instance"])
def test_read_xform_identity(document, form_id, version, title):
    info = read_xform(document)
    assert (info.xml_form_id, info.version, info.title) == (form_id, version, title)


ITEXT = """<itext><translation lang="vi">
  <text id="q:label"><value>Chữ</value><value form="image">jr://images/ho.jpg</value>
    <value form="big-image">jr://images/ho-lon.jpg</value><value form="audio">jr://audio/doc.mp3</value>
    <value form="video">jr://video/huong-dan.mp4</value></text>
  <text id="q2:label"><value>jr://images/not-media.png</value><value form="guidance">jr://images/nor-this.png</value></text>
</translation></itext>"""


@pytest.mark.parametrize("document, expected", [
    (xform(), []),
    (xform(model='<instance id="fruits" src="jr://file-csv/fruits.csv"/>'), [("fruits.csv", "file")]),
    (xform(model='<instance id="tinh" src="jr://file/tinh.xml"/>'), [("tinh.xml", "file")]),
    (xform(model='<instance id="geo" src="jr://file/ranh_gioi.geojson"/>'), [("ranh_gioi.geojson", "file")]),
    (xform(model=ITEXT), [("ho.jpg", "image"), ("ho-lon.jpg", "image"), ("doc.mp3", "audio"),
                          ("huong-dan.mp4", "video")]),
    (xform('<data id="f"><logo>jr://images/logo.png</logo><q/></data>'), [("logo.png", "image")]),
    (xform('<data id="f"><nhac>  jr://audio/nhac.wav  </nhac></data>'), [("nhac.wav", "audio")]),
    (xform(body="""<select1 ref="/data/ten" appearance="quick search('fruits')"><label/></select1>"""),
     [("fruits.csv", "file")]),
    (xform(body="""<select1 ref="/data/ten" appearance='search("rau", "matches", "a", "b")'><label/></select1>"""),
     [("rau.csv", "file")]),
    (xform(body="""<input ref="/data/ten" query="instance('x')/root/item"><label/></input>"""),
     [("itemsets.csv", "file")]),
    # Each name once, in document order.
    (xform('<data id="f"><a>jr://images/a.png</a></data>',
           model='<instance id="x" src="jr://file-csv/b.csv"/><instance id="y" src="jr://file-csv/b.csv"/>'
                 '<itext><translation lang="vi"><text id="t"><value form="image">jr://images/a.png</value>'
                 '</text></translation></itext>'),
     [("b.csv", "file"), ("a.png", "image")]),
], ids=["none", "file-csv", "file-xml", "file-geojson", "itext-media", "default-image", "default-trimmed",
        "search-single-quotes", "search-double-quotes", "query-itemsets", "deduplicated"])
def test_read_xform_expected_attachments(document, expected):
    assert [(item.name, item.type) for item in read_xform(document).attachments] == expected


@pytest.mark.parametrize("uri", [
    "jr://file-csv/..",
    "jr://file-csv/.hidden.csv",
    "jr://images/sub/dir.png",
    "jr://file/a:b.csv",
    "jr://images/",
    "https://example.org/fruits.csv",
    "jr://unknown/x.csv",
])
def test_unsafe_or_foreign_media_references_are_not_expected_attachments(uri):
    document = xform(model=f'<instance id="x" src="{uri}"/>')
    assert read_xform(document).attachments == ()


def test_attachments_are_typed_values():
    info = read_xform(xform(model='<instance id="fruits" src="jr://file-csv/fruits.csv"/>'))
    assert info.attachments == (Attachment("fruits.csv", "file"),)


@pytest.mark.parametrize("document, reason", [
    (b"<a/>", "not <h:html>"),
    (b'<html xmlns="http://www.w3.org/1999/xhtml"><head/></html>', "no primary <instance>"),
    (xform(instance=""), "no primary <instance>"),
    (xform('<data version="1"><q/></data>'), "no id attribute"),
    (xform('<data id=""><q/></data>'), "no id attribute"),
    (xform('<data id="a/b"><q/></data>'), "cannot appear in a URL path"),
    (xform('<data id="a\\b"><q/></data>'), "cannot appear in a URL path"),
    (xform('<data id="../etc"><q/></data>'), "cannot appear in a URL path"),
    (xform('<data id=".hidden"><q/></data>'), "cannot appear in a URL path"),
    (xform('<data id="a?b"><q/></data>'), "cannot appear in a URL path"),
    (xform('<data id="a:b"><q/></data>'), "cannot appear in a URL path"),
    (xform('<data id="a&#10;b"><q/></data>'), "cannot appear in a URL path"),
    (xform(f'<data id="{"a" * 257}"><q/></data>'), "cannot appear in a URL path"),
    (xform('<data id="survey.xml"><q/></data>'), "must not end in .xls, .xlsx or .xml"),
    (xform('<data id="survey.XLSX"><q/></data>'), "must not end in .xls, .xlsx or .xml"),
    (xform('<data id="survey.xls"><q/></data>'), "must not end in .xls, .xlsx or .xml"),
], ids=["not-html", "no-model", "empty-instance", "no-id", "empty-id", "slash", "backslash", "dot-dot", "leading-dot",
        "question-mark", "colon", "newline", "257-chars", "xml-suffix", "xlsx-suffix-any-case", "xls-suffix"])
def test_read_xform_refuses_what_cannot_be_a_form(document, reason):
    with pytest.raises(XFormError) as raised:
        read_xform(document)
    assert reason in str(raised.value)


def test_read_xform_refuses_unsafe_xml_before_reading_it():
    document = xform().replace(b"<h:html", b'<!DOCTYPE h:html [<!ENTITY x "y">]><h:html', 1)
    with pytest.raises(UnsafeXML):
        read_xform(document)


def test_a_comment_before_the_primary_instance_root_is_ignored():
    info = read_xform(xform('<!-- hộ gia đình --><data id="ho_gia_dinh" version="3"><ten/></data>'))
    assert (info.xml_form_id, info.version) == ("ho_gia_dinh", "3")


@pytest.mark.parametrize("original, version", [
    (xform(), "4"),
    (xform('<data id="ho_gia_dinh"><ten/></data>'), "1"),
    (xform(), "2024-05-01 bản sửa"),
    (xform(), ""),
])
def test_set_version_changes_only_the_version(original, version):
    changed = set_version(original, version)
    before, after = read_xform(original), read_xform(changed)
    assert after.version == version
    assert (after.xml_form_id, after.title, after.attachments) == (before.xml_form_id, before.title, before.attachments)
    assert changed.startswith(b"<?xml") and "Hộ gia đình".encode("utf-8") in changed


def test_set_version_keeps_media_and_body():
    original = xform('<data id="f" version="1"><logo>jr://images/logo.png</logo></data>',
                     body="""<select1 ref="/data/logo" appearance="search('fruits')"><label/></select1>""")
    changed = set_version(original, "2")
    assert [item.name for item in read_xform(changed).attachments] == ["logo.png", "fruits.csv"]
    assert b"search('fruits')" in changed


def test_set_version_refuses_what_read_xform_refuses():
    with pytest.raises(XFormError):
        set_version(b"<a/>", "2")
    with pytest.raises(UnsafeXML):
        set_version(b"<h:html", "2")
