"""forms/ holds the XForms built from xlsforms/; a designer who edits a workbook must rebuild them."""

from server.forms.build import XFORM_DIR, build_xforms, drifted_xforms, workbooks


def test_every_workbook_converts_and_passes_odk_validate():
    built = build_xforms(validate=True)
    assert len(built) == len(workbooks()) >= 1


def test_forms_directory_matches_the_workbooks():
    drifted = drifted_xforms(build_xforms(validate=False))
    assert drifted == [], f"run 'minhchung forms-build': {drifted} differ from xlsforms/"


def test_drift_is_detected(tmp_path):
    built = build_xforms(validate=False)
    for other, other_xml in built.items():
        (tmp_path / other).write_bytes(other_xml)
    name, xml = next(iter(built.items()))
    (tmp_path / name).write_bytes(xml.replace(b"<h:title>", b"<h:title>Edited "))
    (tmp_path / "orphan.xml").write_bytes(b"<x/>")
    assert drifted_xforms(built, tmp_path) == sorted([name, "orphan.xml"])
    assert XFORM_DIR.name == "forms"
