"""Factories for areas and registries: made through the same services the API uses."""

import io
import zipfile

from openpyxl import Workbook

from server.areas import service as area_service
from server.extensions import db
from server.registries import service as registry_service
from server.tables import read_table

MEBIBYTE = 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# One province, one legacy district, two communes (one of them still under its district, the pre-2025
# shape), three hamlets. Codes as the national list writes them (hamlet codes are ours).
AREAS_CSV = """ma,ten,cap,ma_cha,ma_huyen_cu
01,Thành phố Hà Nội,tinh,,
001,Quận Ba Đình,huyen,01,
00004,Phường Ba Đình,phuong,01,001
00007,Xã Cũ,xa,001,
00004-01,Tổ dân phố 1,thon,00004,
00004-02,Tổ dân phố 2,thon,00004,
00007-01,Thôn Đông,thon,00007,
"""


def import_areas(csv_text=AREAS_CSV):
    """Import an area list given as CSV text; return {code: Area id}."""
    area_service.import_areas(read_table(csv_text.encode(), "text/csv", 10 * MEBIBYTE))
    db.session.commit()
    from server.areas.queries import area_index
    return {code: entry[0] for code, entry in area_index().items()}


def create_dataset(project, name="ho_gia_dinh", properties=("thon", "chu_ho", "so_thanh_vien")):
    dataset = registry_service.create_dataset(project, name)
    registry_service.add_properties(dataset, list(properties))
    db.session.commit()
    return dataset


def create_entity(dataset, label, data, uuid=None):
    import uuid as uuid_module
    entity = registry_service.create_entity(dataset, uuid or str(uuid_module.uuid4()), label, data)
    db.session.commit()
    return entity


def xlsx_from_rows(rows):
    """An .xlsx whose first sheet holds `rows` (lists of cell values, numbers kept as numbers)."""
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_zip_bomb(inflated_bytes=200 * MEBIBYTE):
    """An .xlsx-shaped zip whose sheet declares (and inflates to) `inflated_bytes` of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(inflated_bytes // MEBIBYTE):
                member.write(bytes(MEBIBYTE))
    return buffer.getvalue()


def square(lon, lat, size=0.01):
    """A closed GeoJSON Polygon ring around (lon, lat)."""
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                [lon, lat + size], [lon, lat]]]}


def feature_collection(*features):
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": properties, "geometry": geometry}
                         for properties, geometry in features]}
