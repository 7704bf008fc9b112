"""The pure parts of the evidence checks: what a photo's bytes say (server/evidence/photos.py), what the checks
find in plain facts (checks.py), how settings read and refuse (settings.py) and how flags are worded."""

import datetime as dt
import io

import pytest
from PIL import Image

from server.demo_photos import phone_exif, photo_jpeg
from server.evidence.checks import Location, Match, Photo, VersionFacts, findings
from server.evidence.messages import message
from server.evidence.photos import PhotoReading, hamming, read_photo
from server.evidence.settings import DEFAULTS, KINDS, check_changes, merged, settings_of

VIETNAM = dt.timezone(dt.timedelta(hours=7))
START = dt.datetime(2026, 11, 20, 8, 0, tzinfo=VIETNAM)


def resized(data, factor=0.6, quality=70, crop=None):
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if crop:
        width, height = image.size
        image = image.crop((int(width * crop), int(height * crop), width, height))
    image = image.resize((int(image.width * factor), int(image.height * factor)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def test_a_phones_photo_gives_its_capture_time_offset_size_and_a_hash():
    reading = read_photo(photo_jpeg(3, "goc_hoc_tap", dt.datetime(2026, 11, 19, 9, 5, 7)))
    assert (reading.taken_at, reading.taken_offset, reading.error) == ("2026-11-19T09:05:07", "+07:00", None)
    assert (reading.width, reading.height) in ((1024, 768), (768, 1024)) and -2 ** 63 <= reading.phash < 2 ** 63


def test_copies_hash_near_the_original_and_other_photos_far():
    original = photo_jpeg(5, "hoc_ba", dt.datetime(2026, 11, 19, 9, 0))
    first = read_photo(original).phash
    for copy in (resized(original), resized(original, 1.0, 35)):  # (a cropped copy needs the shifted lookups)
        assert hamming(first, read_photo(copy).phash) <= 4
    others = [read_photo(photo_jpeg(seed, kind, dt.datetime(2026, 11, 19, 9, 0))).phash
              for seed, kind in ((6, "hoc_ba"), (7, "bang_tin"), (8, "giay_chung_nhan"))]
    assert min(hamming(first, other) for other in others) > 4


def test_what_is_not_a_readable_photo_says_why_and_a_photo_without_exif_has_no_time():
    assert read_photo(b"%PDF-1.4 not an image").error.startswith("not a readable image")
    assert read_photo(b"\xff\xd8\xff\xe0 truncated").error.startswith("not a readable image")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(buffer, "PNG")
    plain = read_photo(buffer.getvalue())
    assert plain.error is None and plain.taken_at is None and plain.phash is not None


@pytest.mark.parametrize("stamp, offset, taken, kept_offset", [
    ("2026:11:19 09:05:07", "+07:00", "2026-11-19T09:05:07", "+07:00"),
    ("2026:11:19 09:05:07", "+99:00", "2026-11-19T09:05:07", None),  # an offset that is none
    ("0000:00:00 00:00:00", "+07:00", None, None),  # a camera that never had its clock set
    ("2026:13:45 09:05:07", None, None, None), ("yesterday", None, None, None)])
def test_capture_times_are_read_only_when_they_are_times(stamp, offset, taken, kept_offset):
    image = Image.new("RGB", (32, 32))
    exif = Image.Exif()
    exif.get_ifd(0x8769).update({0x9003: stamp, **({0x9011: offset} if offset else {})})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    reading = read_photo(buffer.getvalue())
    assert (reading.taken_at, reading.taken_offset) == (taken, kept_offset)


def facts(**changes):
    values = dict(location_field="vi_tri", location=Location(21.03, 105.85, 8.0), beyond_boundary_m=0.0,
                  area_code="00007-01", photos=(), period=2026, started_at=START,
                  ended_at=START + dt.timedelta(minutes=12), outside_areas=False)
    return VersionFacts(**{**values, **changes})


def found(version, matches=(), around=1, settings=DEFAULTS):
    return sorted((item.kind, item.ref) for item in findings(version, list(matches), around, settings, VIETNAM))


def test_sound_facts_give_nothing_and_each_problem_its_kind():
    assert found(facts()) == []
    assert found(facts(beyond_boundary_m=57.0)) == []  # within the 8 m accuracy and the 50 m margin
    assert found(facts(beyond_boundary_m=59.0)) == [("gps_outside_area", "")]
    assert found(facts(location=None)) == [("gps_missing", "")]
    assert found(facts(location=None, location_field=None)) == []  # the form asks for no location
    assert found(facts(location=Location(21.03, 105.85, 150.0))) == [("gps_inaccurate", "")]
    assert found(facts(ended_at=START + dt.timedelta(seconds=40))) == [("fast_pace", "form")]
    assert found(facts(), around=11) == [("fast_pace", "sender")]
    assert found(facts(outside_areas=True)) == [("outside_volunteer_areas", "")]
    match = Match("anh.jpg", 9, 4, "uuid:x", "ho", "anh2.jpg", "H2")
    assert found(facts(), [match]) == [("photo_reused", "anh.jpg|9")]


@pytest.mark.parametrize("taken, offset, flagged", [
    ("2026-11-18T10:00:00", "+07:00", False), ("2025-12-31T23:30:00", "+07:00", True),
    ("2026-12-31T20:00:00", "-05:00", True),  # 1 January 2027 in Vietnam
    ("2026-10-19T09:00:00", None, True),  # 31 days before the form was started
    ("2026-10-22T09:00:00", None, False)])
def test_photo_times_are_compared_with_the_year_and_the_start_in_vietnams_time(taken, offset, flagged):
    photo = Photo("anh.jpg", "0" * 64, PhotoReading(taken_at=taken, taken_offset=offset, phash=1))
    assert (found(facts(photos=(photo,))) == [("photo_time_outside_period", "anh.jpg")]) is flagged


def test_a_kind_turned_off_is_not_found():
    quiet = settings_of({"severity": {"gps_missing": "off"}})
    assert found(facts(location=None), settings=quiet) == []


def test_settings_read_with_defaults_and_refuse_what_is_no_setting():
    assert settings_of(None) == DEFAULTS and set(DEFAULTS.severity) == set(KINDS)
    assert DEFAULTS.error_kinds() == ["gps_outside_area", "photo_reused", "photo_near_duplicate"]
    stored = merged({"severity": {"gps_missing": "error"}}, {"severity": {"fast_pace": "off"}, "gps_margin_m": 20})
    read = settings_of(stored)
    assert (read.severity_of("gps_missing"), read.severity_of("fast_pace"), read.gps_margin_m) == ("error", "off", 20)
    assert settings_of({"gps_margin_m": "far", "severity": {"nonsense": "error"}}) == DEFAULTS
    assert check_changes({"gps_margin_m": 10, "severity": {"photo_reused": "warning"}}) == []
    assert check_changes({"gps_margin_m": True}) and check_changes({"fast_pace_minutes": 0})
    assert check_changes({"severity": {"photo_reused": "fatal"}}) and check_changes({"x": 1}) and check_changes([])


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_worded_in_both_languages(kind):
    evidence = {"distanceM": 2011.5, "accuracyM": 8.0, "area": "00007-01", "maxAccuracyM": 100.0, "photo": "anh.jpg",
                "other": {"instanceId": "uuid:x", "subject": "Hộ A"}, "takenAt": "2024-05-01T10:00:00",
                "period": 2026, "daysBeforeStart": 3, "seconds": 20, "minSeconds": 60}
    worded = message(kind, evidence)
    assert set(worded) == {"vi", "en"} and worded["vi"] != worded["en"] and kind not in worded["en"]


def test_the_demo_exif_is_what_a_phone_writes():
    exif = Image.Exif()
    exif.load(phone_exif(dt.datetime(2026, 11, 1, 9, 0), "samsung", "SM-A125F", 6))
    assert exif.get_ifd(0x8769)[0x9003] == "2026:11:01 09:00:00"
