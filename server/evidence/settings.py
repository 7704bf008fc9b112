"""The evidence checks' thresholds and severities: sensible defaults, and a project's own where it sets them.
A pure module: a project's stored overrides (a dict) in, the settings every check reads out.

Each kind has a severity, "error", "warning" or "off" (not checked, not shown). `hold_recognition`: whether a
submission with an error flag stays out of the recognised until a supervisor approves it."""

from dataclasses import asdict, dataclass, fields, replace

SEVERITIES = ("error", "warning", "off")
KINDS = ("gps_outside_area", "gps_missing", "gps_inaccurate", "photo_reused", "photo_near_duplicate",
         "photo_time_outside_period", "fast_pace", "outside_volunteer_areas")
DEFAULT_SEVERITY = {"gps_outside_area": "error", "photo_reused": "error", "photo_near_duplicate": "error"}


@dataclass(frozen=True)
class Settings:
    severity: dict  # {kind: "error" | "warning" | "off"}
    gps_margin_m: float = 50.0  # beyond the boundary by more than the reported accuracy plus this
    gps_max_accuracy_m: float = 100.0  # a reported accuracy worse than this is gps_inaccurate
    photo_days_before_start: int = 30  # a photo taken longer than this before the form was started
    near_duplicate_max_bits: int = 4  # of the 64 of the perceptual hash
    fast_form_seconds: int = 60  # a form filled in less than this
    fast_pace_subjects: int = 10  # more subjects than this from one sender …
    fast_pace_minutes: int = 30  # … within this many minutes
    hold_recognition: bool = True

    def severity_of(self, kind: str) -> str:
        return self.severity.get(kind, "off")

    def shown_kinds(self) -> list[str]:
        """The kinds not turned off, in KINDS order."""
        return [kind for kind in KINDS if self.severity_of(kind) != "off"]

    def error_kinds(self) -> list[str]:
        return [kind for kind in KINDS if self.severity_of(kind) == "error"]

    def as_json(self) -> dict:
        return asdict(self)


DEFAULTS = Settings(severity={kind: DEFAULT_SEVERITY.get(kind, "warning") for kind in KINDS})
LIMITS = {"gps_margin_m": (0, 100_000), "gps_max_accuracy_m": (1, 100_000), "photo_days_before_start": (0, 3650),
          "near_duplicate_max_bits": (0, 16), "fast_form_seconds": (0, 86_400), "fast_pace_subjects": (1, 10_000),
          "fast_pace_minutes": (1, 1_440)}


def settings_of(stored: dict | None) -> Settings:
    """The project's settings: the defaults with its own over them (anything stored that no longer reads is
    left at its default)."""
    stored = stored or {}
    severity = {**DEFAULTS.severity, **{kind: value for kind, value in (stored.get("severity") or {}).items()
                                        if kind in KINDS and value in SEVERITIES}}
    changes = {}
    for field in fields(Settings):
        value = stored.get(field.name)
        if field.name != "severity" and value is not None and _readable(field.name, value):
            changes[field.name] = value
    return replace(DEFAULTS, severity=severity, **changes)


def check_changes(body) -> list[str]:
    """What is wrong with a change to the settings (a JSON object of some of Settings' fields), [] when
    nothing: names that are not settings, severities that are not one of SEVERITIES, numbers out of range."""
    if not isinstance(body, dict):
        return ["expected a JSON object"]
    problems = []
    names = {field.name for field in fields(Settings)}
    for name, value in body.items():
        if name not in names:
            problems.append(f"{name}: not a setting")
        elif name == "severity":
            if not isinstance(value, dict):
                problems.append("severity: expected an object of kind: error|warning|off")
                continue
            problems += [f"severity.{kind}: expected one of {', '.join(SEVERITIES)}" for kind, level in value.items()
                         if kind not in KINDS or level not in SEVERITIES]
        elif not _readable(name, value):
            low, high = LIMITS.get(name, (None, None))
            problems.append(f"{name}: expected true or false" if name == "hold_recognition"
                            else f"{name}: expected a number from {low} to {high}")
    return problems


def merged(stored: dict | None, body: dict) -> dict:
    """The stored overrides after a (checked) change."""
    result = {**(stored or {}), **{name: value for name, value in body.items() if name != "severity"}}
    if "severity" in body:
        result["severity"] = {**((stored or {}).get("severity") or {}), **body["severity"]}
    return result


def _readable(name, value) -> bool:
    if name == "hold_recognition":
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    low, high = LIMITS[name]
    return low <= value <= high and (name in ("gps_margin_m", "gps_max_accuracy_m") or float(value).is_integer())
