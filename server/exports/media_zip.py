"""media.zip (Minh Chứng's): every received file of the matching submissions, organised as a person looks for them,
`commune/hamlet/subject/question-n.ext` (names made safe), with `index.csv` saying which submission, subject and
question each file belongs to. Streamed: files are read from the blob store as the zip is written."""

import csv
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterator

from zipstream import ZIP_DEFLATED, ZIP_STORED, ZipStream

from ..safexml import parse_stored_xml
from ..tables import csv_safe
from .csv_export import _blob_chunks
from .geojson import BATCH, _find_all
from .queries import batches, present_media
from .tables import safe_file_name

INDEX_HEADER = ("path", "instanceId", "instanceName", "subject", "hamlet", "commune", "question", "fileName",
                "reviewState")


def folder_name(text: str | None, fallback: str) -> str:
    """A folder name from a place or person's name: diacritics kept, path and reserved characters dropped."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip(" .")
    text = safe_file_name(text).strip(" .") if text else ""
    return text[:80] if text and text != "_" else fallback


def questions_of(binary_fields: list, root) -> dict:
    """{file name: question name} of the files a submission's XML names (in repeats too)."""
    found = {}
    for field in binary_fields:
        for element in _find_all(root, field.path.strip("/").split("/")):
            if element.text and element.text.strip():
                found.setdefault(element.text.strip(), field.name)
    return found


def media_zip(rows: Iterator, binary_fields: list, labels: dict) -> Iterator[bytes]:
    archive = ZipStream(compress_type=ZIP_STORED)
    index = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8", newline="")
    index.write("\ufeff")
    writer = csv.writer(index, lineterminator="\n")
    writer.writerow(INDEX_HEADER)
    used = Counter()
    for batch in batches(rows, BATCH):
        files = {}
        for def_id, name, sha256, _ in present_media([row.def_id for row in batch], with_def=True):
            files.setdefault(def_id, []).append((name, sha256))
        for row in batch:
            if row.def_id not in files:
                continue
            questions = questions_of(binary_fields, parse_stored_xml(row.xml.encode("utf-8")))
            folder = "/".join((folder_name(row.commune, labels["no_area"]), folder_name(row.area, labels["no_area"]),
                               folder_name(row.subject or row.instance_name, row.instance_id.replace(":", "_"))))
            for name, sha256 in files[row.def_id]:
                question = questions.get(name, "file")
                extension = name.rpartition(".")[2].lower() if "." in name else "bin"
                stem = f"{folder}/{question}"
                used[stem] += 1
                path = f"{stem}-{used[stem]}.{safe_file_name(extension)[:8]}"
                archive.add(_blob_chunks(sha256), path)
                yield from archive.all_files()
                writer.writerow([csv_safe(value) for value in (path, row.instance_id, row.instance_name, row.subject,
                                                               row.area, row.commune, question, name,
                                                               row.review_state)])
    index.seek(0)
    archive.add((chunk.encode("utf-8") for chunk in iter(lambda: index.read(1 << 16), "")), "index.csv",
                compress_type=ZIP_DEFLATED)
    yield from archive.all_files()
    yield from archive.footer()
    index.close()
