"""Each flag in words, Vietnamese and English, from its kind and evidence (worded when shown, so the words can
improve without checking anything again). A pure module."""


def _number(value) -> str:
    if value is None:
        return "?"
    return f"{value:,.0f}".replace(",", ".") if abs(value) >= 10 else f"{value:g}"


def _other(evidence) -> tuple[str, str]:
    other = evidence.get("other") or {}
    name = other.get("subjectLabel") or other.get("subject") or other.get("instanceId") or "?"
    return name, other.get("instanceId") or "?"


def _area(evidence) -> str:
    code, name = evidence.get("area") or "?", evidence.get("areaName")
    return f"{name} ({code})" if name else code


def message(kind: str, evidence: dict) -> dict:
    """{"vi": …, "en": …} for a flag."""
    if kind == "gps_outside_area":
        distance, accuracy, area = (_number(evidence.get("distanceM")), _number(evidence.get("accuracyM")),
                                    _area(evidence))
        return {"vi": f"Vị trí GPS nằm ngoài ranh giới của {area} {distance} m (độ chính xác {accuracy} m).",
                "en": f"The GPS location lies {distance} m outside the boundary of {area} (accuracy {accuracy} m)."}
    if kind == "gps_missing":
        return {"vi": "Biểu mẫu hỏi vị trí GPS nhưng bài nộp không có.",
                "en": "The form asks for a GPS location and none came."}
    if kind == "gps_inaccurate":
        accuracy, limit = _number(evidence.get("accuracyM")), _number(evidence.get("maxAccuracyM"))
        return {"vi": f"Độ chính xác GPS {accuracy} m, kém hơn ngưỡng {limit} m.",
                "en": f"The GPS accuracy is {accuracy} m, worse than the {limit} m allowed."}
    if kind == "photo_reused":
        subject, instance = _other(evidence)
        photo = evidence.get("photo")
        return {"vi": f"Ảnh {photo} giống hệt ảnh minh chứng của đối tượng khác: {subject} ({instance}).",
                "en": f"Photo {photo} is the very same file as the evidence of another subject: {subject} "
                      f"({instance})."}
    if kind == "photo_near_duplicate":
        subject, instance = _other(evidence)
        photo = evidence.get("photo")
        return {"vi": f"Ảnh {photo} gần như trùng với ảnh minh chứng của đối tượng khác: {subject} ({instance}); "
                      f"có thể đã được thu nhỏ, nén lại hoặc cắt bớt.",
                "en": f"Photo {photo} nearly matches the evidence of another subject: {subject} ({instance}); "
                      f"it may have been resized, recompressed or cropped."}
    if kind == "photo_time_outside_period":
        photo, taken = evidence.get("photo"), (evidence.get("takenAt") or "?").replace("T", " ")
        days, period = evidence.get("daysBeforeStart"), evidence.get("period")
        if period is not None and not taken.startswith(str(period)):
            return {"vi": f"Ảnh {photo} được chụp lúc {taken}, ngoài kỳ đánh giá {period}.",
                    "en": f"Photo {photo} was taken at {taken}, outside the {period} evaluation period."}
        return {"vi": f"Ảnh {photo} được chụp lúc {taken}, {days} ngày trước khi bắt đầu điền phiếu.",
                "en": f"Photo {photo} was taken at {taken}, {days} days before the form was started."}
    if kind == "fast_pace":
        if "seconds" in evidence:
            seconds, least = evidence.get("seconds"), evidence.get("minSeconds")
            return {"vi": f"Phiếu được điền trong {seconds} giây (ngưỡng {least} giây).",
                    "en": f"The form was filled in {seconds} seconds (less than {least})."}
        subjects, minutes = evidence.get("subjects"), evidence.get("minutes")
        return {"vi": f"Cùng một người gửi đã hoàn thành {subjects} đối tượng trong {minutes} phút.",
                "en": f"The same sender completed {subjects} subjects within {minutes} minutes."}
    if kind == "outside_volunteer_areas":
        area = _area(evidence)
        return {"vi": f"Tình nguyện viên gửi bài cho {area}, ngoài địa bàn được giao.",
                "en": f"The volunteer sent a submission for {area}, outside the areas assigned to them."}
    return {"vi": kind, "en": kind}
