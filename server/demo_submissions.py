"""The demo's submissions, planned from a fixed seed (a pure module): what the volunteers sent during the three
weeks of the November 2026 campaign, and what the supervisors did with it afterwards.

Each planned submission is what ODK Collect would send: answers for the form's fields (the instance XML is
filled in from the form's own XForm, so groups, order and empty non-relevant fields are Collect's), the photos
its binary fields name (demo_photos.py draws them), the phone that sent it, and when it was made and received.
The households' answers are drawn so that some are recognised and some not. A few carry a problem a supervisor
should find: a geopoint outside the household's hamlet or with poor accuracy, a photo named but never uploaded,
a photo taken in 2024, the same photo sent for two households (and a smaller copy of one for a third), a
household evaluated twice. Reviews follow:
about 40 % approved, 10 % with issues (a comment says what is wrong), 5 % rejected, one corrected in the browser
(a second version), the rest not yet reviewed.
"""

import io
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from lxml import etree
from PIL import Image
from shapely.geometry import Point, Polygon

from .demo_data import COMMUNES, KM_PER_DEGREE, Province, new_uuid, person
from .demo_photos import document_pdf, photo_jpeg
from .safexml import parse_xml
from .subject_kinds import BY_CODE, CONG_DAN, DON_VI, DONG_HO, GIA_DINH, HOUSEHOLD_LINK

VIETNAM = timezone(timedelta(hours=7))
CAMPAIGN_START, CAMPAIGN_DAYS, YEAR = date(2026, 11, 9), 21, "2026"
REVIEWS_UNTIL = datetime(2026, 11, 30, 17, 0, tzinfo=VIETNAM)
VISITED_PER_HAMLET = [18, 17, 15, 14, 14, 13, 12, 11, 10]  # households, hamlet by hamlet once shuffled: 124
PHONES = [("samsung", "SM-A125F", "12"), ("samsung", "SM-A125F", "12"), ("samsung", "SM-A125F", "12"),
          ("OPPO", "CPH2239", "11"), ("Xiaomi", "Redmi 9A", "10"), ("samsung", "SM-A035F", "13")]
XML_NS = {"jr": "http://openrosa.org/javarosa", "odk": "http://www.opendatakit.org/xforms",
          "orx": "http://openrosa.org/xforms"}
XFORMS = "{http://www.w3.org/2002/xforms}"
# Household indicators (xlsforms/gia_dinh_hoc_tap.xlsx, 10 points each) and how often each is not met.
HOUSEHOLD_MISSES = {"1.1": 1, "1.2": 4, "1.3": 1, "2.1": 1, "2.2": 6, "2.3": 6, "3.1": 3, "3.2": 4, "4.1": 3,
                    "4.2": 4}
APPLIED = ["Áp dụng kỹ thuật trồng lúa SRI, năng suất tăng khoảng 10%", "Học nghề may, nhận hàng may gia công tại nhà",
           "Nuôi gà theo hướng dẫn khuyến nông, giảm dịch bệnh", "Bán nông sản qua mạng xã hội",
           "Trồng rau an toàn theo VietGAP", "Sửa chữa xe máy sau lớp dạy nghề của xã",
           "Dùng VNeID và dịch vụ công trực tuyến", "Nuôi cá lồng theo kỹ thuật mới học ở trung tâm"]
NOTES = ["Chủ hộ đi làm ăn xa, vợ trả lời.", "Gia đình có tủ sách cho các cháu, rất nhiệt tình.",
         "Hộ có cụ trên 60 tuổi chưa biết chữ, không tính vào chỉ số 2.1.", "Đã hẹn lại để chụp ảnh giấy khen.",
         "Con lớn đang học đại học ở Hà Nội."]
ISSUES = ["Ảnh học bạ bị mờ, không đọc được kết quả học tập; đề nghị chụp lại.",
          "Số người lớn tham gia học chưa khớp với danh sách lớp của trung tâm học tập cộng đồng; đề nghị xác minh.",
          "Chưa có ảnh giấy chứng nhận lớp học của người lớn; đề nghị bổ sung.",
          "Thông tin người trả lời chưa ghi rõ quan hệ với chủ hộ; đề nghị bổ sung vào ghi chú."]
REJECTIONS = ["Người trả lời là hàng xóm, không phải thành viên của hộ; phiếu không hợp lệ, cần đánh giá lại.",
              "Hộ đã chuyển khỏi thôn từ tháng 8/2026; không thuộc diện đánh giá năm nay.",
              "Phiếu điền thử khi tập huấn, không phải đánh giá thật.",
              "Thông tin trong phiếu mâu thuẫn với ảnh minh chứng; đề nghị đánh giá lại bằng phiếu mới."]
PHOTO_LABELS = {"anh_hoc_ba": "học bạ", "anh_chung_nhan_hoc": "giấy chứng nhận học tập của người lớn",
                "anh_goc_hoc_tap": "góc học tập", "anh_gia_dinh_van_hoa": "giấy công nhận Gia đình văn hóa"}
APPROVALS = ["Đã kiểm tra minh chứng, đồng ý.", "Đã gọi điện xác minh với trưởng thôn, đồng ý.", None, None, None]


@dataclass(frozen=True)
class Phone:
    device_id: str
    make: str
    model: str
    user_agent: str


@dataclass(frozen=True)
class DemoFile:
    name: str  # as Collect names a photo: the milliseconds when it was taken
    kind: str  # a demo_photos kind, or "pdf"
    seed: int
    taken_at: datetime  # the phone's local time
    portrait: bool
    phone: Phone
    shrunk: float | None = None  # a copy made smaller (and recompressed) by this factor: a near-duplicate

    @property
    def content_type(self):
        return "application/pdf" if self.kind == "pdf" else "image/jpeg"


@dataclass(frozen=True)
class Review:
    state: str  # approved, hasIssues, rejected
    comment: str | None
    at: datetime


@dataclass
class DemoSubmission:
    xml_form_id: str
    hamlet: str | None  # the hamlet whose volunteer sent it; None: the volunteer of every area
    commune: str
    label: str  # the subject's label, for the instance name
    answers: dict  # field name → value, as Collect writes it
    instance_id: str
    files: list
    received_at: datetime
    phone: Phone
    review: Review | None = None
    problem: str | None = None  # what a supervisor should find, if anything
    edit: dict = field(default_factory=dict)  # answers a supervisor corrected in a second version
    edit_instance_id: str | None = None
    edited_at: datetime | None = None

    @property
    def instance_name(self):
        return f"{self.label} – {YEAR}"


def plan_submissions(province: Province, seed=2026) -> list:
    """Every demo submission, ordered by when it was received."""
    rng = random.Random(f"{seed}:submissions")
    plan = Plan(rng, province)
    submissions = plan.households() + plan.others()
    submissions.sort(key=lambda item: item.received_at)
    plan.add_problems(submissions)
    assign_reviews(rng, submissions)
    return sorted(submissions, key=lambda item: item.received_at)


class Plan:
    """What the planning steps share: the province, the seeded random source, a phone per volunteer, each
    hamlet's village centre (houses cluster around it), and a counter that gives every photo its own seed."""

    def __init__(self, rng, province):
        self.rng, self.province, self.photo_seed = rng, province, 0
        self.names = dict(province.hamlets)
        self.phones = {code: phone(rng, index) for index, code in enumerate([None, *self.names])}
        self.entities = {name: entities for name, (_, entities) in province.registries.items()}
        self.people = {}
        for citizen in self.entities[BY_CODE[CONG_DAN].registry]:
            self.people.setdefault(citizen.data[HOUSEHOLD_LINK], []).append(citizen)
        self.centres = {code: random_point(rng, Polygon(province.boundaries[code]).buffer(-0.003))
                        for code in self.names}

    def households(self):
        """Between 10 and 18 households of each hamlet, visited by its volunteer across the campaign."""
        by_hamlet = {}
        for household in self.entities[BY_CODE[GIA_DINH].registry]:
            by_hamlet.setdefault(household.data["thon"], []).append(household)
        counts = self.rng.sample(VISITED_PER_HAMLET, len(VISITED_PER_HAMLET))
        submissions = []
        for (hamlet, households), count in zip(by_hamlet.items(), counts):
            for household, start in zip(self.rng.sample(households, count), visit_times(self.rng, count)):
                submissions.append(self.household(household, hamlet, start))
        return submissions

    def household(self, household, hamlet, start):
        answers, photos = household_answers(self.rng, household, self.people.get(household.uuid, []))
        return self.submission("gia_dinh_hoc_tap", hamlet, hamlet[:5], household.label,
                               {"ho": household.uuid, **answers}, photos, start)

    def others(self):
        """Citizens, clans, units and hamlets (as communities): about one in six submissions."""
        rng, hamlets = self.rng, list(self.names)
        communities = [code for code in hamlets if code.endswith("-01")] + rng.sample(
            [code for code in hamlets if not code.endswith("-01")], 2)
        citizens = [citizen for code in communities
                    for citizen in rng.sample([c for c in self.entities[BY_CODE[CONG_DAN].registry]
                                               if c.data["thon"] == code], 2)]
        clans = rng.sample(self.entities[BY_CODE[DONG_HO].registry], 5)
        units = rng.sample(self.entities[BY_CODE[DON_VI].registry], 5)
        work = ([(CONG_DAN, citizen) for citizen in citizens] + [(DONG_HO, clan) for clan in clans]
                + [(DON_VI, unit) for unit in units] + [("cong_dong", code) for code in communities])
        return [self.other(kind, subject, start) for (kind, subject), start in zip(work, visit_times(rng, len(work)))]

    def other(self, kind, subject, start):
        rng = self.rng
        if kind == "cong_dong":  # the subject is the hamlet itself
            answers, photos = community_answers(rng)
            return self.submission("cong_dong_hoc_tap", subject, subject[:5], self.names[subject],
                                   {"thon": subject, **answers}, photos, start)
        commune = subject.data.get("xa") or subject.data["thon"][:5]
        hamlet = subject.data.get("thon") or None
        builder, form = {CONG_DAN: (citizen_answers, "cong_dan_hoc_tap"), DONG_HO: (clan_answers, "dong_ho_hoc_tap"),
                         DON_VI: (unit_answers, "don_vi_hoc_tap")}[kind]
        answers, photos = builder(rng, subject)
        answers = {"thon": hamlet or f"{commune}-01", kind: subject.uuid, **answers}
        return self.submission(form, hamlet, commune, subject.label, answers, photos, start)

    def submission(self, form, hamlet, commune, label, answers, photos, start):
        """A submission made at `start` on the phone of `hamlet`'s volunteer, photos taken along the way."""
        rng, phone_used = self.rng, self.phones[hamlet]
        end = start + timedelta(minutes=rng.randint(12, 35))
        place = answers.get("thon") or f"{commune}-01"
        answers = {"start": stamp(start), "end": stamp(end), "today": start.date().isoformat(),
                   "deviceid": phone_used.device_id, "nam_danh_gia": YEAR, "xa": commune,
                   "vi_tri": geopoint(rng, self.province.boundaries[place], self.centres[place]), **answers}
        files = []
        for number, (name, kind, portrait) in enumerate(photos):
            self.photo_seed += 1
            taken = start + (end - start) * (number + 1) / (len(photos) + 2) + timedelta(seconds=rng.randint(0, 40))
            files.append(DemoFile(f"{int(taken.timestamp() * 1000)}.{'pdf' if kind == 'pdf' else 'jpg'}", kind,
                                  self.photo_seed, taken.replace(tzinfo=None), portrait, phone_used))
            answers[name] = files[-1].name
        delay = timedelta(minutes=rng.randint(1, 25)) if rng.random() < 0.75 else (
            end.replace(hour=20, minute=0) + timedelta(minutes=rng.randint(0, 150)) - end)
        return DemoSubmission(form, hamlet, commune, label, answers, f"uuid:{new_uuid(rng)}", files,
                              (end + max(delay, timedelta(minutes=1))).astimezone(timezone.utc), phone_used)

    def add_problems(self, submissions):
        """What a supervisor should notice, on households received early enough to have been reviewed."""
        rng = self.rng
        early = [item for item in submissions if item.xml_form_id == "gia_dinh_hoc_tap"
                 and item.received_at < (REVIEWS_UNTIL - timedelta(days=8)).astimezone(timezone.utc)]
        picked = iter(rng.sample(early, len(early)))
        for problem in ("gps_neighbour", "gps_neighbour", "gps_far", "gps_accuracy", "photo_missing", "photo_missing",
                        "photo_missing", "photo_2024", "photo_2024", "photo_2024", "photo_reused",
                        "photo_near_duplicate", "duplicate", "edit"):
            while not apply_problem(self, problem, next(picked), submissions):
                pass


def apply_problem(plan, problem, item, submissions):
    """Give `item` the problem; False when it cannot have it (no photo of the kind needed, say)."""
    rng, hamlet = plan.rng, item.hamlet
    if item.problem is not None:
        return False
    if problem == "gps_neighbour":
        other = next(code for code in plan.names if code[:5] == hamlet[:5] and code != hamlet)
        item.answers["vi_tri"] = geopoint(rng, plan.province.boundaries[other], plan.centres[other])
    elif problem == "gps_far":
        other = next(code for code, *_ in COMMUNES if code != item.commune)
        item.answers["vi_tri"] = geopoint(rng, plan.province.boundaries[other], None)
    elif problem == "gps_accuracy":
        latitude, longitude, altitude, _ = item.answers["vi_tri"].split()
        item.answers["vi_tri"] = f"{latitude} {longitude} {altitude} {rng.uniform(120, 260):.1f}"
    elif problem == "photo_missing":
        if not item.files:
            return False
        item.files.remove(rng.choice(item.files))  # named in the XML, never uploaded
    elif problem == "photo_2024":
        photo = next((file for file in item.files if item.answers.get("anh_gia_dinh_van_hoa") == file.name), None)
        if photo is None:
            return False
        item.files[item.files.index(photo)] = replace(photo, taken_at=datetime(2024, 11, rng.randint(3, 27),
                                                                               rng.randint(8, 17), rng.randint(0, 59)))
    elif problem in ("photo_reused", "photo_near_duplicate"):
        return reuse_photo(item, submissions, shrunk=0.6 if problem == "photo_near_duplicate" else None)
    elif problem == "duplicate":
        submissions.append(duplicate_of(plan, item))
        problem = "evaluated_twice"  # this first one is right; the second is the mistake
    elif problem == "edit":
        if item.commune != COMMUNES[0][0] or int(item.answers.get("so_tre_do_tuoi_pho_cap") or 0) < 1:
            return False
        children = int(item.answers["so_tre_do_tuoi_pho_cap"])
        item.answers.update(so_tre_di_hoc=str(children - 1), so_tre_chua_di_hoc="1")
        item.edit = {"so_tre_di_hoc": str(children), "so_tre_chua_di_hoc": "0"}
        item.edit_instance_id = f"uuid:{new_uuid(rng)}"
    item.problem = problem
    return True


def reuse_photo(item, submissions, shrunk=None):
    """The study-corner photo of another household of the same hamlet, sent again byte for byte (or, `shrunk`, a
    smaller, recompressed copy of it, as a messaging app makes)."""
    mine = next((file for file in item.files if item.answers.get("anh_goc_hoc_tap") == file.name), None)
    theirs = next((file for other in submissions if other is not item and other.hamlet == item.hamlet
                   and other.problem is None and other.received_at < item.received_at
                   for file in other.files if other.answers.get("anh_goc_hoc_tap") == file.name), None)
    if mine is None or theirs is None:
        return False
    item.files[item.files.index(mine)] = replace(theirs, name=mine.name, shrunk=shrunk)
    item.problem = "photo_reused" if shrunk is None else "photo_near_duplicate"
    return True


def duplicate_of(plan, item):
    """The same household evaluated again a few days later by the same volunteer, by mistake."""
    start = datetime.fromisoformat(item.answers["start"]) + timedelta(days=plan.rng.randint(2, 4), minutes=37)
    household = next(entity for entity in plan.entities[BY_CODE[GIA_DINH].registry]
                     if entity.uuid == item.answers["ho"])
    again = plan.household(household, item.hamlet, start)
    again.problem = "duplicate"
    return again


def assign_reviews(rng, submissions):
    """Review states and comments, given a day or more after receipt by the supervisor of the commune."""
    count = len(submissions)
    wanted = {"approved": round(0.4 * count), "hasIssues": round(0.1 * count), "rejected": round(0.05 * count)}
    reviewable = [item for item in submissions if review_time(item) is not None]
    by_problem = {"photo_missing": "Ảnh {photo} chưa được gửi lên (thiếu tệp); đề nghị gửi lại phiếu để bổ sung ảnh.",
                  "gps_neighbour": "Vị trí GPS nằm ở thôn khác, không phải thôn của hộ; đề nghị kiểm tra lại.",
                  "gps_accuracy": "Độ chính xác GPS kém (trên 100 m); đề nghị ghi lại vị trí tại nhà hộ.",
                  "photo_2024": "Ảnh giấy công nhận Gia đình văn hóa chụp từ năm 2024; cần ảnh giấy mới nhất.",
                  "edit": "Theo danh sách của trường, các cháu trong độ tuổi đều đi học; đề nghị sửa số trẻ đi học."}
    for item in reviewable:
        if item.problem == "duplicate":
            item.review = Review("rejected", "Trùng phiếu: hộ này đã được đánh giá trước đó; loại phiếu này.",
                                 review_time(item))
        elif item.problem in by_problem and (item.problem == "edit" or rng.random() < 0.6):
            missing = next((name for name, value in item.answers.items() if name in PHOTO_LABELS
                            and value and value not in {file.name for file in item.files}), None)
            item.review = Review("hasIssues", by_problem[item.problem].format(photo=PHOTO_LABELS.get(missing)),
                                 review_time(item))
    for state, comments in (("rejected", REJECTIONS), ("hasIssues", ISSUES), ("approved", APPROVALS)):
        free = [item for item in reviewable if item.review is None and item.problem is None
                and (state == "approved" or item.xml_form_id == "gia_dinh_hoc_tap")]  # the comments are on households
        have = sum(1 for item in submissions if item.review is not None and item.review.state == state)
        comments = rng.sample(comments, len(comments))
        for number, item in enumerate(rng.sample(free, max(0, min(len(free), wanted[state] - have)))):
            comment = issue_of(item, number) if state == "hasIssues" else comments[number % len(comments)]
            item.review = Review(state, comment, review_time(item))
    for item in submissions:
        if item.edit:
            item.edited_at = item.review.at + timedelta(days=1, hours=2)


def issue_of(item, number):
    """What a supervisor finds wrong with a household's submission that has no planned problem (the `number`th
    such one: the issues that fit it take turns)."""
    answers = item.answers
    fitting = [issue for issue, fits in zip(ISSUES, (
        answers.get("anh_hoc_ba"), answers.get("so_nguoi_lon_hoc"),
        answers.get("so_nguoi_lon_hoc") and not answers.get("anh_chung_nhan_hoc"), True)) if fits]
    return fitting[number % len(fitting)]


def review_time(item):
    """When the supervisor got to it: 1–4 days after receipt, in office hours (drawn from its instanceID, so
    always the same), or None if that is after REVIEWS_UNTIL."""
    digits = int(item.instance_id[5:13], 16)
    day = item.received_at.astimezone(VIETNAM).date() + timedelta(days=1 + digits % 4)
    at = datetime(day.year, day.month, day.day, 8 + digits // 4 % 9, digits // 36 % 60, tzinfo=VIETNAM)
    return at.astimezone(timezone.utc) if at <= REVIEWS_UNTIL else None


def instance_xml(xform: bytes, answers: dict, instance_id: str, instance_name: str,
                 deprecated_id: str | None = None) -> bytes:
    """The instance as Collect writes it: the XForm's primary instance with every field present (empty when not
    answered or not relevant), root `data` with the form's id and version, meta/instanceID, instanceName and,
    for an edit, deprecatedID naming the version it replaces."""
    template = primary_instance(xform)
    data = etree.Element("data", nsmap=XML_NS, id=template.get("id"), version=template.get("version"))
    fill(data, template, {**answers, "instanceID": instance_id, "instanceName": instance_name})
    if deprecated_id:
        data.find("meta/instanceID").addnext(etree.Element("deprecatedID"))
        data.find("meta/deprecatedID").text = deprecated_id
    return b"<?xml version='1.0' ?>" + etree.tostring(data, encoding="utf-8", xml_declaration=False)


@lru_cache(maxsize=16)
def primary_instance(xform: bytes):
    """The root element of the XForm's primary instance (the model's first <instance>, without an id); read only."""
    model = parse_xml(xform).find(f"{{http://www.w3.org/1999/xhtml}}head/{XFORMS}model")
    instance = next(child for child in model.iterfind(f"{XFORMS}instance") if child.get("id") is None)
    return next(child for child in instance if isinstance(child.tag, str))


def fill(target, template, answers):
    for child in template:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        element = etree.SubElement(target, name)
        if len(child):
            fill(element, child, answers)
        elif answers.get(name) not in (None, ""):
            element.text = str(answers[name])


def render_file(demo_file: DemoFile) -> bytes:
    if demo_file.kind == "pdf":
        return document_pdf(demo_file.seed)
    drawn = photo_jpeg(demo_file.seed, demo_file.kind, demo_file.taken_at, demo_file.phone.make,
                       demo_file.phone.model, demo_file.portrait)
    return drawn if demo_file.shrunk is None else shrunk_copy(drawn, demo_file.shrunk)


def shrunk_copy(data: bytes, factor: float) -> bytes:
    """The photo made smaller and recompressed, its EXIF kept (a copy forwarded through a messaging app)."""
    image = Image.open(io.BytesIO(data))
    exif = image.info.get("exif", b"")
    small = image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=70, exif=exif)
    return buffer.getvalue()


def phone(rng, number):
    make, model, android = PHONES[number % len(PHONES)]
    device = "collect:" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                                  for _ in range(16))
    return Phone(device, make, model, f"Dalvik/2.1.0 (Linux; U; Android {android}; {model} Build/SP1A.210812.016) "
                                      "org.odk.collect.android/v2024.3.5")


def visit_times(rng, count):
    """When a volunteer starts each of `count` forms: a few a session, mornings, afternoons or early evenings,
    on days across the campaign."""
    times = []
    while len(times) < count:
        day = CAMPAIGN_START + timedelta(days=rng.randrange(CAMPAIGN_DAYS))
        at = datetime(day.year, day.month, day.day, tzinfo=VIETNAM) + timedelta(
            minutes=rng.choice([450, 450, 840, 840, 1110]) + rng.randint(0, 60), seconds=rng.randint(0, 59),
            milliseconds=rng.randint(0, 999))
        for _ in range(rng.randint(2, 5)):
            times.append(at)
            at += timedelta(minutes=rng.randint(30, 55), seconds=rng.randint(0, 59))
    return sorted(times[:count])


def stamp(moment):
    return moment.isoformat(timespec="milliseconds")


def random_point(rng, polygon):
    """A point (longitude, latitude) drawn evenly inside `polygon`."""
    west, south, east, north = polygon.bounds
    while True:
        point = (rng.uniform(west, east), rng.uniform(south, north))
        if polygon.contains(Point(point)):
            return point


def geopoint(rng, ring, centre, spread_km=0.3):
    """Collect's "lat lon altitude accuracy" for a house near the village centre (anywhere if None), well inside
    the boundary `ring`."""
    inside = Polygon(ring).buffer(-0.0003)
    centre = centre or random_point(rng, inside)
    while True:
        longitude = rng.gauss(centre[0], spread_km / KM_PER_DEGREE[0])
        latitude = rng.gauss(centre[1], spread_km / KM_PER_DEGREE[1])
        if inside.contains(Point(longitude, latitude)):
            accuracy = rng.choice([3.9, 4.5, 4.8, 6.2, 8.0, 12.0])
            return f"{latitude:.7f} {longitude:.7f} {rng.uniform(1.5, 9):.1f} {accuracy}"


def yes(rng, share):
    return "co" if rng.random() < share else "khong"


def photos_for(rng, answers, wanted):
    """(field, kind, portrait) for each photo field that is relevant (`when`) and was taken (`share`)."""
    return [(name, kind, rng.random() < portrait) for name, kind, when, share, portrait in wanted
            if when(answers) and rng.random() < share]


def household_answers(rng, household, members):
    """Answers for a household drawn to meet all but a few indicators: about two in three are recognised."""
    size = int(household.data["so_thanh_vien"])
    adults = min(size, rng.choice([2, 2, 2, 3, 3, 4]))
    children = size - adults
    school_age = rng.randint(max(0, children - 1), children) if children else 0
    pupils_base = school_age + (children - school_age if rng.random() < 0.8 else 0)
    working_age = adults - (1 if adults >= 3 and rng.random() < 0.5 else 0)
    applicable = {"1.1": school_age > 0, "1.2": pupils_base >= 2, "1.3": children > 0, "2.1": working_age > 0}
    candidates = [code for code in HOUSEHOLD_MISSES if applicable.get(code, True)]
    draw = rng.random()
    missed = rng.choice([0, 0, 1]) if draw < 0.45 else rng.randint(2, 4) if draw < 0.75 else rng.randint(4, 6)
    misses = set()
    while len(misses) < min(missed, len(candidates)):
        misses.add(rng.choices(candidates, [HOUSEHOLD_MISSES[code] for code in candidates])[0])
    in_school = school_age - ("1.1" in misses)
    pupils = pupils_base - ("1.1" in misses)
    learned = adults if "2.2" not in misses else rng.randint(0, adults - 1)
    literate = working_age - ("2.1" in misses)
    kids = school_age > 0 or pupils > 0
    answers = {
        "thon": household.data["thon"],
        "nguoi_tra_loi": rng.choice(members).label if members and rng.random() < 0.4 else household.data["chu_ho"],
        "so_tre_do_tuoi_pho_cap": school_age, "so_tre_di_hoc": in_school if school_age else None,
        "so_tre_chua_di_hoc": school_age - in_school if school_age else None, "so_hoc_sinh": pupils,
        "so_hoc_sinh_dat": pupils - ("1.2" in misses) if pupils else None,
        "so_hoc_sinh_chua_dat": int("1.2" in misses) if pupils else None,
        "tre_le_phep_tham_gia": ("khong" if "1.3" in misses else "co") if kids else None,
        "so_nguoi_lon": adults, "so_nguoi_lon_19_60": working_age,
        "so_nguoi_lon_biet_chu": literate if working_age else None,
        "so_nguoi_chua_biet_chu": working_age - literate if working_age else None,
        "so_nguoi_lon_hoc": learned, "so_nguoi_lon_chua_hoc": adults - learned,
        "so_nguoi_lon_dang_ky_cdht": 0 if "2.3" in misses else rng.randint(1, adults),
        "goc_hoc_tap": "khong" if "3.1" in misses else "co",
        "thiet_bi_internet": "khong" if "3.2" in misses else "co",
        "van_dung_kien_thuc": "khong" if "4.1" in misses else "co",
        "gia_dinh_van_hoa": "khong" if "4.2" in misses else "co",
        "ghi_chu": rng.choice(NOTES) if rng.random() < 0.15 else None}
    answers["vi_du_van_dung"] = rng.choice(APPLIED) if answers["van_dung_kien_thuc"] == "co" else None
    return answers, photos_for(rng, answers, [
        ("anh_hoc_ba", "hoc_ba", lambda a: kids, 0.8, 0.5),
        ("anh_chung_nhan_hoc", "giay_chung_nhan", lambda a: a["so_nguoi_lon_hoc"] > 0, 0.7, 0.4),
        ("anh_goc_hoc_tap", "goc_hoc_tap", lambda a: a["goc_hoc_tap"] == "co", 1.0, 0.1),
        ("anh_gia_dinh_van_hoa", "giay_chung_nhan", lambda a: a["gia_dinh_van_hoa"] == "co", 0.8, 0.4)])


def citizen_answers(rng, citizen):
    """A learning citizen's self-assessment, 10 abilities each often, sometimes or not yet."""
    weights = rng.choice([[8, 2, 0], [5, 4, 1], [2, 5, 3]])

    def level():
        return rng.choices(["thuong_xuyen", "chua_thuong_xuyen", "chua"], weights)[0]
    answers = {name: level() for name in ("cd_doc_cap_nhat", "cd_ke_hoach_hoc_tap", "cd_sinh_hoat_cong_dong",
                                          "cd_dong_vien_nguoi_than", "cd_ky_nang_so", "cd_tinh_toan",
                                          "cd_tu_duy_phan_bien", "cd_quan_he_than_thien", "cd_hop_tac_chia_se")}
    answers.update(nhom_doi_tuong=citizen.data["nhom"], nguoi_tra_loi=citizen.label,
                   cd_ngoai_ngu="khong_yeu_cau" if citizen.data["nhom"] == "nong_dan" and rng.random() < 0.6
                   else level())
    return answers, photos_for(rng, answers, [
        ("anh_minh_chung_hoc_tap", "giay_chung_nhan", lambda a: a["cd_ke_hoach_hoc_tap"] != "chua", 0.7, 0.4),
        ("anh_sinh_hoat_cong_dong", "bang_tin", lambda a: a["cd_sinh_hoat_cong_dong"] != "chua", 0.6, 0.1),
        ("anh_ky_nang_so", "giay_chung_nhan", lambda a: a["cd_ky_nang_so"] != "chua", 0.5, 0.4)])


def clan_answers(rng, clan):
    households = rng.randint(24, 85)
    answers = {"nguoi_tra_loi": person(rng, clan.label.split()[2], "nam"), "so_ho_trong_dong_ho": households,
               "so_ho_dang_ky_gdht": round(households * rng.uniform(0.6, 0.98)), "ban_khuyen_hoc": yes(rng, 0.9),
               "quy_khuyen_hoc": yes(rng, 0.85), "quy_uoc_hoc_tap": yes(rng, 0.75), "dang_ky_dhht": yes(rng, 0.9),
               "vinh_danh_hoc_tap": yes(rng, 0.85), "sinh_hoat_hoc_tap": yes(rng, 0.8)}
    answers["so_du_quy"] = rng.randrange(15, 120) * 1_000_000 if answers["quy_khuyen_hoc"] == "co" else None
    return answers, photos_for(rng, answers, [
        ("anh_ban_khuyen_hoc", "bang_tin", lambda a: a["ban_khuyen_hoc"] == "co", 1.0, 0.1),
        ("anh_so_quy", "hoc_ba", lambda a: a["quy_khuyen_hoc"] == "co", 1.0, 0.5),
        ("anh_quy_uoc", "giay_chung_nhan", lambda a: a["quy_uoc_hoc_tap"] == "co", 1.0, 0.5),
        ("anh_dang_ky_dhht", "giay_chung_nhan", lambda a: a["dang_ky_dhht"] == "co", 0.6, 0.5),
        ("anh_vinh_danh", "bang_tin", lambda a: a["vinh_danh_hoc_tap"] == "co", 0.6, 0.1)])


def community_answers(rng):
    """A hamlet's evaluation as a learning community, answered by its head or a study-promotion officer."""
    answers = {"nguoi_tra_loi": person(rng, rng.choice(["Nguyễn", "Trần", "Phạm", "Vũ"]), rng.choice(["nam", "nu"])),
               "chuc_vu": rng.choice(["truong_thon", "bi_thu_chi_bo", "chi_hoi_khuyen_hoc"]),
               "tuyen_truyen": yes(rng, 0.97), "ke_hoach_xhht": yes(rng, 0.95), "tuan_le_hoc_tap": yes(rng, 0.95),
               "kinh_phi_hoc_tap": yes(rng, 0.9), "xa_hoi_hoa": yes(rng, 0.9), "phoi_hop": yes(rng, 0.95),
               "nha_van_hoa_hoc_tap": yes(rng, 0.97)}
    answers["hinh_thuc_tuyen_truyen"] = " ".join(sorted(rng.sample(["loa", "hop_thon", "pano", "mang_xa_hoi"],
                                                                   rng.randint(1, 3)))) \
        if answers["tuyen_truyen"] == "co" else None
    answers["so_tien_kinh_phi"] = rng.randrange(5, 40) * 1_000_000 if answers["kinh_phi_hoc_tap"] == "co" else None
    return answers, photos_for(rng, answers, [
        ("anh_tuyen_truyen", "bang_tin", lambda a: a["tuyen_truyen"] == "co", 1.0, 0.1),
        ("anh_ke_hoach_xhht", "giay_chung_nhan", lambda a: a["ke_hoach_xhht"] == "co", 1.0, 0.5),
        ("anh_tuan_le_hoc_tap", "bang_tin", lambda a: a["tuan_le_hoc_tap"] == "co", 1.0, 0.1),
        ("anh_xa_hoi_hoa", "giay_chung_nhan", lambda a: a["xa_hoi_hoa"] == "co", 0.6, 0.5),
        ("anh_nha_van_hoa", "goc_hoc_tap", lambda a: a["nha_van_hoa_hoc_tap"] == "co", 1.0, 0.1)])


def unit_answers(rng, unit):
    """A commune office's or school's evaluation as a learning unit (Circular 22/2020)."""
    members = rng.randint(18, 60)

    def most():
        return members if rng.random() < 0.7 else members - rng.randint(1, 4)
    answers = {"nguoi_tra_loi": person(rng, rng.choice(["Lê", "Đỗ", "Bùi"]), rng.choice(["nam", "nu"])),
               "ke_hoach_hoc_tap": yes(rng, 0.9), "quy_dinh_khuyen_khich": yes(rng, 0.8),
               "dau_tu_nguon_luc": yes(rng, 0.8), "so_thanh_vien": members, "so_tv_ke_hoach_tu_hoc": most(),
               "so_tv_chap_hanh": most(), "so_tv_hoan_thanh_bd": most(),
               "so_tv_ldtt": most(),
               "so_tv_cdht": members if rng.random() < 0.5 else round(members * rng.uniform(0.5, 1)),
               "chia_se_tri_thuc": yes(rng, 0.8), "tap_the_ldtt": yes(rng, 0.6)}
    for counted, missing in (("so_tv_ke_hoach_tu_hoc", "so_tv_thieu_ke_hoach"),
                             ("so_tv_chap_hanh", "so_tv_chua_chap_hanh"), ("so_tv_ldtt", "so_tv_chua_ldtt"),
                             ("so_tv_hoan_thanh_bd", "so_tv_chua_hoan_thanh_bd"), ("so_tv_cdht", "so_tv_chua_cdht")):
        answers[missing] = members - answers[counted]
    return answers, photos_for(rng, answers, [
        ("tep_van_ban", "pdf", lambda a: True, 0.5, 0),
        ("anh_ke_hoach_hoc_tap", "giay_chung_nhan", lambda a: a["ke_hoach_hoc_tap"] == "co", 1.0, 0.6),
        ("anh_quy_dinh_khuyen_khich", "giay_chung_nhan", lambda a: a["quy_dinh_khuyen_khich"] == "co", 1.0, 0.6),
        ("anh_nguon_luc", "goc_hoc_tap", lambda a: a["dau_tu_nguon_luc"] == "co", 1.0, 0.1),
        ("anh_tong_hop_danh_gia", "hoc_ba", lambda a: True, 0.5, 0.5),
        ("anh_quyet_dinh_ldtt", "giay_chung_nhan", lambda a: a["so_tv_ldtt"] > 0, 0.5, 0.5),
        ("anh_danh_sach_cdht", "hoc_ba", lambda a: a["so_tv_cdht"] > 0, 0.5, 0.5),
        ("anh_chia_se_tri_thuc", "bang_tin", lambda a: a["chia_se_tri_thuc"] == "co", 1.0, 0.1),
        ("anh_tap_the_ldtt", "giay_chung_nhan", lambda a: a["tap_the_ldtt"] == "co", 1.0, 0.5)])
