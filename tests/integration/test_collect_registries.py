"""Two volunteers of different hamlets download the household criteria form as ODK Collect does and each
gets only the hamlets and households of the areas she serves, with manifest hashes of the exact bytes."""

import csv
import hashlib
import io
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.factories import XLSX, upload_form
from tests.factories_registry import AREAS_CSV

OR = {"X-OpenRosa-Version": "1.0", "User-Agent": "org.odk.collect.android/v2024.3.5"}
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
FORM_LIST = "{http://openrosa.org/xforms/xformsList}"
WORKBOOK = Path(__file__).resolve().parents[2] / "xlsforms" / "gia_dinh_hoc_tap.xlsx"
HOUSEHOLDS = [("Hộ Nguyễn Văn An", "00004-01"), ("Hộ Trần Thị Bình", "00004-01"),
              ("Hộ Lê Văn Cường", "00004-02"), ("Hộ Phạm Thị Dung", "00007-01")]


@pytest.fixture
def field(client, admin, project):
    """Areas, a household registry, the household form and two app users: {hamlet code: Collect base path}."""
    assert client.post("/v1/areas/import", data=AREAS_CSV.encode(), headers={**admin, "Content-Type": "text/csv"}
                       ).status_code == 200
    datasets = f"/v1/projects/{project.id}/datasets"
    assert client.post(datasets, json={"name": "ho_gia_dinh"}, headers=admin).status_code == 200
    for name in ("thon", "chu_ho", "so_thanh_vien"):
        assert client.post(f"{datasets}/ho_gia_dinh/properties", json={"name": name}, headers=admin).status_code == 200
    entities = [{"label": label, "data": {"thon": hamlet, "chu_ho": label[3:], "so_thanh_vien": "4"}}
                for label, hamlet in HOUSEHOLDS]
    assert client.post(f"{datasets}/ho_gia_dinh/entities", json={"entities": entities, "source": {"name": "test"}},
                       headers=admin).status_code == 200
    published = upload_form(client, admin, project.id, WORKBOOK.read_bytes(), publish=True, content_type=XLSX)
    assert published.status_code == 200, published.get_json()
    bases = {}
    for hamlet in ("00004-01", "00007-01"):
        app_user = client.post(f"/v1/projects/{project.id}/app-users", json={"displayName": f"TNV {hamlet}"},
                               headers=admin).get_json()
        assert client.post(f"/v1/projects/{project.id}/forms/gia_dinh_hoc_tap/assignments/app-user/{app_user['id']}",
                           headers=admin).status_code == 200
        assert client.put(f"/v1/projects/{project.id}/app-users/{app_user['id']}/areas", json={"areas": [hamlet]},
                          headers=admin).status_code == 200
        bases[hamlet] = f"/v1/key/{app_user['token']}/projects/{project.id}"
    return bases


def download_media(client, base):
    """What Collect does: formList → manifest → every media file, checking each md5 against the manifest."""
    form_list = ElementTree.fromstring(client.get(base + "/formList", headers=OR).data)
    [xform] = [x for x in form_list.iter(f"{FORM_LIST}xform") if x.findtext(f"{FORM_LIST}formID") == "gia_dinh_hoc_tap"]
    manifest_url = xform.findtext(f"{FORM_LIST}manifestUrl")
    manifest = client.get(manifest_url.split("localhost", 1)[-1], headers=OR)
    assert manifest.status_code == 200 and manifest.headers["X-OpenRosa-Version"] == "1.0"
    files = {}
    for item in ElementTree.fromstring(manifest.data).iter(f"{MANIFEST}mediaFile"):
        name, md5 = item.findtext(f"{MANIFEST}filename"), item.findtext(f"{MANIFEST}hash")
        download = client.get(item.findtext(f"{MANIFEST}downloadUrl").split("localhost", 1)[-1], headers=OR)
        assert download.status_code == 200
        served = "md5:" + hashlib.md5(download.data).hexdigest()
        assert md5 == served, f"{name}: manifest hash is not of the bytes served"
        files[name] = list(csv.DictReader(io.StringIO(download.data.decode("utf-8"))))
    return files


def test_each_volunteer_gets_only_her_hamlet_and_its_households(client, field):
    first, second = download_media(client, field["00004-01"]), download_media(client, field["00007-01"])
    assert [row["name"] for row in first["thon.csv"]] == ["00004-01"]
    assert [row["name"] for row in second["thon.csv"]] == ["00007-01"]
    assert sorted(row["label"] for row in first["ho_gia_dinh.csv"]) == ["Hộ Nguyễn Văn An", "Hộ Trần Thị Bình"]
    assert [row["label"] for row in second["ho_gia_dinh.csv"]] == ["Hộ Phạm Thị Dung"]
    assert all(row["thon"] == "00004-01" for row in first["ho_gia_dinh.csv"])


def test_a_volunteer_cannot_fetch_another_forms_registry(client, admin, project, field):
    other = client.get(field["00004-01"] + "/forms/khong_co/attachments/ho_gia_dinh.csv", headers=OR)
    assert other.status_code in (403, 404)
