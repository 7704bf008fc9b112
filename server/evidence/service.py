"""The evidence checks of submission versions, run once per version after it is stored (in the background,
background.py; or by a read that needs them first, as results are scored): gather each version's facts, ask the
checks (checks.py) what they find, keep the check and its flags.

A photo is read once per file (photos.py: capture time, perceptual hash), whichever submission sent it. A
photo sent again for another subject flags both versions; so does a sender's burst of subjects (each version
in it). A file arriving after its submission makes the version be checked again."""

import datetime as dt

from ..areas.locating import metres_outside
from ..areas.queries import names_by_code
from ..blobs.service import blob_store
from ..db import LOCAL_TIME, utcnow
from ..extensions import db
from ..forms.fields import fields_of, first_geopoint, read_timestamps
from ..registries.queries import labels_by_uuid
from ..safexml import parse_stored_xml
from ..scoring.scores import SETTLING, score_pending
from ..submissions.instance import values_at
from . import queries
from .checks import Found, Location, Match, Photo, VersionFacts, findings
from .messages import message
from .photos import PhotoReading, bands, dct_hash, likeness, nearest_bits, read_photo, shifted_regions, thumb_of
from .settings import Settings, settings_of

PHOTO_TYPES = ("image/",)
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif", ".bmp", ".tif", ".tiff")
MAX_PHOTO_BYTES = 40 * 1024 * 1024
LIKENESS = 0.975  # a near match's 32 × 32 thumbnails correlate at least this much (bench/integrity.py: copies
# resized, recompressed or cropped by 5 % stay above 0.976, other drawings of the same scene below 0.974)


def project_settings(project_id: int) -> Settings:
    return settings_of(queries.stored_settings(project_id))


def check_pending(project_id: int, batch: int = 100, on_batch=None) -> int:
    """Check every current version of the project waiting for it, a batch at a time; return how many.
    Scores what is pending first: a version's subject and evaluation period are its score's."""
    score_pending(project_id, on_batch=on_batch)
    settings, settled_before, done = project_settings(project_id), utcnow() - SETTLING, 0
    while True:
        pending = queries.list_pending(project_id, batch)
        _check(project_id, pending, settings)
        db.session.flush()
        done += len(pending)
        if on_batch is not None and pending:
            on_batch(done)
        if len(pending) < batch:
            queries.advance_mark(project_id, settled_before)
            return done


def flags(project_id: int, settings: Settings, **where) -> list[dict]:
    """The flags on current versions (queries.flags_of_current's `where`), as the API gives them, with the
    project's severities; kinds turned off are not shown. The evidence names the area and the other subject by
    their names too (`areaName`, `other.subjectLabel`), looked up as it is shown."""
    found = queries.flags_of_current(project_id, settings.shown_kinds(), **where)
    areas = names_by_code({flag.evidence.get("area") for flag in found} - {None})
    labels = labels_by_uuid(project_id, {(flag.evidence.get("other") or {}).get("subject") for flag in found} - {None})
    shown = []
    for flag in found:
        evidence = _named(flag.evidence, areas, labels)
        shown.append({"submissionId": flag.submission_id, "instanceId": flag.instance_id,
                      "xmlFormId": flag.xml_form_id, "area": flag.area_code, "kind": flag.kind,
                      "severity": settings.severity_of(flag.kind), "message": message(flag.kind, evidence),
                      "evidence": evidence, "createdAt": flag.created_at})
    return shown


def _named(evidence: dict, areas: dict, labels: dict) -> dict:
    named = dict(evidence)
    if evidence.get("area") in areas:
        named["areaName"] = areas[evidence["area"]]
    other = evidence.get("other")
    if other and other.get("subject") in labels:
        named["other"] = {**other, "subjectLabel": labels[other["subject"]]}
    return named


def explained(project_id: int, submission, score: dict) -> dict:
    """A score explanation (scoring/schemas.py score_json) with a reason per evidence flag of the submission's
    current version; while an error flag holds it back (settings.hold_recognition, not approved), not
    recognised, and saying so (`heldByEvidence`)."""
    settings = project_settings(project_id)
    found = flags(project_id, settings, submission_ids=[submission.id])
    held = is_held(settings, submission.review_state, found)
    reasons = [{"kind": "evidence", "code": flag["kind"], "text": flag["message"],
                "blocksRecognition": held and flag["severity"] == "error", "evidence": []} for flag in found]
    return {**score, "recognised": score["recognised"] and not held, "heldByEvidence": held,
            "reasons": [*score["reasons"], *reasons]}


def is_held(settings: Settings, review_state: str | None, found: list[dict]) -> bool:
    """Whether a submission's evidence holds its recognition back: an error flag (`found`: flags gives them)
    and no supervisor's approval (the rule scoring/queries.py held_by_evidence counts by, in SQL)."""
    return settings.hold_recognition and review_state != "approved" and any(
        flag["severity"] == "error" for flag in found)


def worst_severities(project_id: int, form_id: int) -> dict:
    """{current version id: "error" or "warning"} of the form's flagged current versions (the map's layer)."""
    settings = project_settings(project_id)
    return {def_id: "error" if any(settings.severity_of(kind) == "error" for kind in kinds) else "warning"
            for def_id, kinds in queries.flagged_versions_of_form(form_id, settings.shown_kinds()).items()}


def shown_kinds(project_id: int) -> list[str]:
    return project_settings(project_id).shown_kinds()


def flags_by_submission(project_id: int, submission_ids: list[int]) -> dict:
    """{submission id: its current version's flags (as flags gives them), errors first}."""
    found = {}
    for flag in flags(project_id, project_settings(project_id), submission_ids=submission_ids):
        found.setdefault(flag["submissionId"], []).append(flag)
    for items in found.values():
        items.sort(key=lambda flag: flag["severity"] != "error")
    return found


def _check(project_id, pending, settings):
    files = {}
    for def_id, name, blob_id, sha256, content_type, size in queries.received_files([row.def_id for row in pending]):
        files.setdefault(def_id, []).append((name, blob_id, sha256, content_type, size))
    readings = _readings({item[1:] for items in files.values() for item in items})
    for row in pending:
        _check_version(project_id, row, files.get(row.def_id, []), readings, settings)


def _readings(blobs) -> dict:
    """{blob id: PhotoReading} of these files (blob id, sha256, content type, size): each photo read once ever."""
    known = queries.readings_of(blob_id for blob_id, *_ in blobs)
    readings = {blob_id: PhotoReading(facts.taken_at, facts.taken_offset, facts.phash, facts.width, facts.height,
                                      facts.error, facts.thumb) for blob_id, facts in known.items()}
    made = []
    for blob_id, sha256, content_type, size in blobs:
        if blob_id in readings or not _is_photo(content_type, size):
            continue
        with blob_store().open(sha256) as stream:
            reading = read_photo(stream.read())
        readings[blob_id] = reading
        made.append({"blob_id": blob_id, **vars(reading)})
    queries.add_readings(made)
    return readings


def _is_photo(content_type, size) -> bool:
    return (content_type or "").startswith(PHOTO_TYPES) and (size or 0) <= MAX_PHOTO_BYTES


def _check_version(project_id, row, files, readings, settings):
    form_def = queries.form_def_of(row.form_def_id)
    root = parse_stored_xml(row.xml.encode("utf-8"))
    started_at, ended_at = _instance_times(form_def, root)
    geopoint = first_geopoint(fields_of(form_def))
    location = Location(row.latitude, row.longitude, row.accuracy) if row.latitude is not None else None
    # the subject's area: the one its rules name (a hamlet evaluated), else where the submission was placed
    area_id, area_code = (row.scored_area_id, row.scored_area_code) if row.scored_area_id is not None \
        else (row.area_id, row.area_code)
    beyond = metres_outside(area_id, row.latitude, row.longitude) \
        if location is not None and area_id is not None else None
    photos = tuple(Photo(name, sha256, readings.get(blob_id)) for name, blob_id, sha256, _, _ in files
                   if blob_id in readings)
    when = started_at or row.created_at
    period = row.period if row.period is not None else when.astimezone(LOCAL_TIME).year
    facts = VersionFacts("/".join(geopoint.path) if geopoint else None, location, beyond, area_code, photos,
                         period, started_at, ended_at, bool(row.outside_areas))
    matches = _same_photos(project_id, row, files) + _near_photos(project_id, row, files, readings, settings)
    burst = _burst(project_id, row, ended_at, settings)
    found = findings(facts, matches, len(burst) + 1, settings, LOCAL_TIME)
    now = utcnow()
    flags = [_flag_row(project_id, row.def_id, row.submission_id, item, row.def_id, now) for item in found]
    flags += _mirrored(project_id, row, found, matches, burst, now)
    queries.keep_check({"submission_def_id": row.def_id, "submission_id": row.submission_id,
                        "project_id": project_id, "subject": row.subject, "submitter_id": row.submitter_id,
                        "started_at": started_at, "ended_at": ended_at, "photos_seen": len(files),
                        "checked_at": now})
    queries.replace_flags(row.def_id, flags)


def _same_photos(project_id, row, files) -> list[Match]:
    """The other subjects' current versions holding the very same files."""
    names = {blob_id: name for name, blob_id, *_ in files}
    if not names:
        return []
    found = {}
    for other in queries.same_files_elsewhere(project_id, list(names), row.submission_id):
        if row.subject is not None and other.subject == row.subject:
            continue  # the same subject evaluated again (another period, a re-visit): not a reuse
        found.setdefault((names[other.blob_id], other.def_id), Match(
            names[other.blob_id], other.def_id, other.submission_id, other.instance_id, other.xml_form_id, other.photo,
            other.subject))
    return list(found.values())


def _near_photos(project_id, row, files, readings, settings) -> list[Match]:
    """The other subjects' current versions holding a photo nearly like one of this version's (near_photos)."""
    if settings.severity_of("photo_near_duplicate") == "off":
        return []
    own = {blob_id for _, blob_id, *_ in files}
    found = {}
    for name, blob_id, sha256, content_type, size in files:
        reading = readings.get(blob_id)
        if reading is None or reading.phash is None:
            continue
        with blob_store().open(sha256) as stream:
            near = near_photos(stream.read(), own, settings.near_duplicate_max_bits)
        if not near:
            continue
        for other in queries.same_files_elsewhere(project_id, list(near), row.submission_id):
            if row.subject is not None and other.subject == row.subject:
                continue
            found.setdefault((name, other.def_id), Match(name, other.def_id, other.submission_id, other.instance_id,
                                                         other.xml_form_id, other.photo, other.subject,
                                                         near[other.blob_id]))
    return list(found.values())


def near_photos(data: bytes, leave_out=frozenset(), max_bits: int = 4) -> dict:
    """{blob id: bits} of the stored photos nearly like this one (resized, recompressed, cropped a little): its
    shifted regions (photos.SHIFTED) hashed, the stored hashes within `max_bits` of one of them found through
    the index of bands, and each confirmed by its 32 × 32 thumbnail; `leave_out`: blob ids not to report."""
    regions = shifted_regions(data)
    hashes = [dct_hash(region) for region in regions]
    found = queries.hashes_with_bands({pair for item in hashes for pair in bands(item)})
    if not found:
        return {}
    distances = nearest_bits(hashes, [phash for _, phash in found])  # thousands of candidates: at once
    close = {blob_id: int(bits) for (blob_id, _), bits in zip(found, distances)
             if bits <= max_bits and blob_id not in leave_out}
    if not close:
        return {}
    thumbs = [thumb_of(region) for region in regions]
    return {blob_id: close[blob_id] for blob_id, thumb in queries.thumbs_of(list(close))
            if max(likeness(item, thumb) for item in thumbs) >= LIKENESS}


def _burst(project_id, row, ended_at, settings) -> list[tuple]:
    """The sender's other checked versions (of other subjects) that ended within the setting's minutes before
    this one did."""
    if row.submitter_id is None or ended_at is None:
        return []
    since = ended_at - dt.timedelta(minutes=settings.fast_pace_minutes)
    return [(def_id, submission_id) for def_id, submission_id, subject
            in queries.checked_from_sender(project_id, row.submitter_id, since, ended_at)
            if submission_id != row.submission_id and (row.subject is None or subject != row.subject)]


def _mirrored(project_id, row, found, matches, burst, now) -> list[dict]:
    """What this version's check finds on others: the other half of each reused photo, and the sender's burst."""
    rows = []
    kinds = {item.kind for item in found}
    for match in matches:
        kind = "photo_reused" if match.bits is None else "photo_near_duplicate"
        if kind in kinds:
            other = Found(kind, f"{match.other_photo}|{row.def_id}", {
                "photo": match.other_photo, "bits": match.bits,
                "other": {"instanceId": row.instance_id, "xmlFormId": row.xml_form_id, "photo": match.photo,
                          "subject": row.subject}})
            rows.append(_flag_row(project_id, match.other_def_id, match.other_submission_id, other, row.def_id,
                                  now))
    sender = next((item for item in found if item.kind == "fast_pace" and item.ref == "sender"), None)
    if sender is not None:
        rows += [_flag_row(project_id, def_id, submission_id, sender, row.def_id, now)
                 for def_id, submission_id in burst]
    return rows


def _flag_row(project_id, def_id, submission_id, item: Found, found_by, now) -> dict:
    return {"submission_def_id": def_id, "submission_id": submission_id, "project_id": project_id,
            "kind": item.kind, "ref": item.ref[:300], "evidence": item.evidence, "found_by_def_id": found_by,
            "created_at": now}


def _instance_times(form_def, root) -> tuple:
    """The instance's start and end (Collect's timestamp fields), aware; None where absent or unreadable."""
    paths = read_timestamps(form_def.xml.encode("utf-8"))
    return tuple(_moment(next(iter(values_at(root, paths[which])), "")) if which in paths else None
                 for which in ("start", "end"))


def _moment(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=LOCAL_TIME)
