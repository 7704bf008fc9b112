"""The evidence checks themselves: plain facts about one submission version in (its location and how far it
lies beyond its area's boundary, its photos' readings, the photos of other subjects that match them, how fast
it was filled and how many subjects its sender completed around it), what was found out. A pure module: the
service (service.py) gathers the facts with queries and keeps what comes out.

Each finding is a kind (settings.KINDS), a `ref` (what in the version it is about: a photo's name and the other
version, or "") and its evidence, a JSON object a supervisor reads (messages.py words it)."""

import datetime as dt
from dataclasses import dataclass

from .photos import PhotoReading
from .settings import Settings


@dataclass(frozen=True)
class Photo:
    name: str
    sha256: str
    reading: PhotoReading | None  # None while its bytes have not arrived


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    accuracy: float | None


@dataclass(frozen=True)
class VersionFacts:
    location_field: str | None  # the path of the form's geopoint question, None when it asks for none
    location: Location | None
    beyond_boundary_m: float | None  # how far the point lies outside its area's boundary (0 inside); None: no boundary
    area_code: str | None
    photos: tuple[Photo, ...]
    period: int | None  # the evaluation year
    started_at: dt.datetime | None  # the instance's start and end (aware)
    ended_at: dt.datetime | None
    outside_areas: bool  # sent by a volunteer from outside her areas


@dataclass(frozen=True)
class Match:
    """Another subject's photo that matches one of this version's: the same bytes (`bits` None) or a
    perceptual hash `bits` away."""
    photo: str
    other_def_id: int
    other_submission_id: int
    other_instance_id: str
    other_form: str
    other_photo: str
    other_subject: str | None
    bits: int | None = None


@dataclass(frozen=True)
class Found:
    kind: str
    ref: str
    evidence: dict


def location_findings(facts: VersionFacts, settings: Settings) -> list[Found]:
    """gps_missing, gps_inaccurate, gps_outside_area."""
    if facts.location_field is None:
        return []
    point = facts.location
    if point is None:
        return [Found("gps_missing", "", {"field": facts.location_field})]
    found = []
    accuracy = point.accuracy
    if accuracy is not None and accuracy > settings.gps_max_accuracy_m:
        found.append(Found("gps_inaccurate", "", {"accuracyM": round(accuracy, 1),
                                                  "maxAccuracyM": settings.gps_max_accuracy_m}))
    allowed = (accuracy or 0) + settings.gps_margin_m
    if facts.beyond_boundary_m is not None and facts.beyond_boundary_m > allowed:
        found.append(Found("gps_outside_area", "", {
            "distanceM": round(facts.beyond_boundary_m, 1),
            "accuracyM": None if accuracy is None else round(accuracy, 1),
            "marginM": settings.gps_margin_m, "area": facts.area_code, "latitude": point.latitude,
            "longitude": point.longitude}))
    return found


def photo_time_findings(facts: VersionFacts, settings: Settings, local: dt.tzinfo) -> list[Found]:
    """photo_time_outside_period: a photo the camera dates outside the evaluation year, or longer than the
    setting before the form was started. A photo without a capture time is not flagged (it is unknown)."""
    found = []
    for photo in facts.photos:
        taken = _taken_at(photo.reading, local)
        if taken is None:
            continue
        outside = facts.period is not None and taken.astimezone(local).year != facts.period
        early = facts.started_at is not None and facts.started_at - taken > dt.timedelta(
            days=settings.photo_days_before_start)
        if outside or early:
            found.append(Found("photo_time_outside_period", photo.name, {
                "photo": photo.name, "takenAt": photo.reading.taken_at, "takenOffset": photo.reading.taken_offset,
                "period": facts.period, "startedAt": _iso(facts.started_at),
                "daysBeforeStart": (facts.started_at - taken).days if facts.started_at else None}))
    return found


def pace_findings(facts: VersionFacts, subjects_around: int, settings: Settings) -> list[Found]:
    """fast_pace: the form filled in less than the setting's seconds, or its sender completing more subjects than
    the setting within its minutes (`subjects_around`: how many, this one included)."""
    found = []
    if facts.started_at is not None and facts.ended_at is not None:
        seconds = (facts.ended_at - facts.started_at).total_seconds()
        if 0 <= seconds < settings.fast_form_seconds:
            found.append(Found("fast_pace", "form", {"seconds": round(seconds),
                                                     "minSeconds": settings.fast_form_seconds}))
    if subjects_around > settings.fast_pace_subjects:
        found.append(Found("fast_pace", "sender", {"subjects": subjects_around, "minutes": settings.fast_pace_minutes,
                                                   "maxSubjects": settings.fast_pace_subjects}))
    return found


def match_findings(matches: list[Match]) -> list[Found]:
    """photo_reused (the same bytes) and photo_near_duplicate (a near hash) for another subject's photo."""
    return [Found("photo_reused" if match.bits is None else "photo_near_duplicate",
                  f"{match.photo}|{match.other_def_id}",
                  {"photo": match.photo, "bits": match.bits,
                   "other": {"instanceId": match.other_instance_id, "xmlFormId": match.other_form,
                             "photo": match.other_photo, "subject": match.other_subject}})
            for match in matches]


def area_findings(facts: VersionFacts) -> list[Found]:
    return [Found("outside_volunteer_areas", "", {"area": facts.area_code})] if facts.outside_areas else []


def findings(facts: VersionFacts, matches: list[Match], subjects_around: int, settings: Settings,
             local: dt.tzinfo) -> list[Found]:
    """Everything found about one version, less the kinds the project turned off."""
    found = (location_findings(facts, settings) + photo_time_findings(facts, settings, local)
             + pace_findings(facts, subjects_around, settings) + match_findings(matches) + area_findings(facts))
    return [item for item in found if settings.severity_of(item.kind) != "off"]


def _taken_at(reading: PhotoReading | None, local: dt.tzinfo) -> dt.datetime | None:
    if reading is None or reading.taken_at is None:
        return None
    moment = dt.datetime.fromisoformat(reading.taken_at)
    if reading.taken_offset:
        hours, minutes = reading.taken_offset[1:].split(":")
        sign = -1 if reading.taken_offset[0] == "-" else 1
        return moment.replace(tzinfo=dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes))))
    return moment.replace(tzinfo=local)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")
