"""What a person calls each kind of evidence flag, in the message catalogue (the desk's language, or the one an
export is asked in: flask_babel.force_locale)."""

from flask_babel import gettext as _


def kind_label(kind: str) -> str:
    return {"gps_outside_area": _("GPS outside the area"), "gps_missing": _("No GPS location"),
            "gps_inaccurate": _("Inaccurate GPS"), "photo_reused": _("Photo reused"),
            "photo_near_duplicate": _("Near-duplicate photo"),
            "photo_time_outside_period": _("Photo taken out of season"), "fast_pace": _("Too fast"),
            "outside_volunteer_areas": _("Outside the volunteer's areas")}.get(kind, kind)
