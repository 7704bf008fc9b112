#!/usr/bin/env python3
"""Evidence-check benchmark (issue 15), in one process on PostgreSQL (a fresh database `minhchung_bench_integrity`):

  cost      the evidence check of one submission version (what the background adds per submission, after it is
            stored): --submissions households with a drawn 1024 × 768 photo each, sent through the real OpenRosa
            ingest, then checked one at a time; p50 and p90
  phash     reading a 3-megapixel photo (2048 × 1536 JPEG): capture time and hash (what is kept), and the
            shifted-region hashes a near-duplicate look-up makes (photos.SHIFTED)
  lookup    a near-duplicate look-up among --hashes stored hashes (random 64-bit values, indexed as the checks index
            them): the index query alone and the whole look-up of a photo (its regions, the query, the filter)
  recall    --photos drawn photos (the demo's four scenes, so many look alike) of which --planted are copies of
            others: resized (50–80 %), recompressed (quality 35), cropped by 5 % (a corner, one side), or cropped
            and resized; each photo looked up among all the others: the share of planted copies found (aim ≥ 95 %)
            and of photos with a false match (aim ≤ 1 %)

Not a test; see bench/README.md.
"""

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.ingest import fresh_database  # noqa: E402
from server import create_app  # noqa: E402
from server.database import upgrade_database  # noqa: E402
from server.demo_photos import KINDS, photo_jpeg  # noqa: E402
from server.evidence import queries  # noqa: E402
from server.evidence.photos import SHIFTED, bands, dct_hash, read_photo, shifted_regions  # noqa: E402
from server.evidence.service import check_pending, near_photos  # noqa: E402
from server.extensions import db  # noqa: E402
from server.scoring.scores import score_pending  # noqa: E402
from tests.factories import XLSX, xlsx_from_markdown  # noqa: E402
from tests.integration.test_evidence import FORM, household  # noqa: E402

TAKEN = dt.datetime(2026, 11, 19, 9, 0)
AIMS = {"lookup": 20.0, "recall": 0.95, "false": 0.01}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--hashes", type=int, default=1_000_000)
    parser.add_argument("--photos", type=int, default=2_000)
    parser.add_argument("--planted", type=int, default=200)
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@localhost/postgres")
    return parser.parse_args()


def milliseconds(values):
    ordered = sorted(values)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.9)] * 1000


def drawn(seed):
    return photo_jpeg(seed, KINDS[seed % len(KINDS)], TAKEN)


def jpeg(image, quality=85):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def planted_copy(data, number, rng):
    """A copy of a photo as a volunteer would make one: resized, recompressed, cropped by 5 %, or cropped and
    resized (by `number`, in turn)."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    width, height = image.size
    way = number % 4
    if way == 0:
        factor = rng.uniform(0.5, 0.8)
        return jpeg(image.resize((int(width * factor), int(height * factor))), 70), "resized"
    if way == 1:
        return jpeg(image, 35), "recompressed"
    box = rng.choice([(int(width * 0.05), int(height * 0.05), width, height),  # a corner: 5 % of each side
                      (0, 0, int(width * 0.95), height), (int(width * 0.05), 0, width, height)])  # one side
    cropped = image.crop(box)
    if way == 2:
        return jpeg(cropped, 85), "cropped"
    return jpeg(cropped.resize((cropped.width * 2 // 3, cropped.height * 2 // 3)), 75), "cropped and resized"


def measure_cost(client, headers, project_id, count):
    """Send `count` households with a photo each through the OpenRosa ingest, then check them one at a time."""
    for number in range(count):
        photo = drawn(10_000 + number)
        xml = household(f"uuid:bench-{number}", f"ho-{number}", photo="anh.jpg",
                        start=dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
                        + dt.timedelta(minutes=13 * number))
        sent = client.post(f"/v1/projects/{project_id}/submission", headers={**headers, "X-OpenRosa-Version": "1.0"},
                           data={"xml_submission_file": (io.BytesIO(xml), "x.xml", "text/xml"),
                                 "anh.jpg": (io.BytesIO(photo), "anh.jpg", "image/jpeg")},
                           content_type="multipart/form-data")
        assert sent.status_code == 201, sent.data
    score_pending(project_id)
    db.session.commit()
    times, last = [], [time.perf_counter()]

    def tick(_):
        now = time.perf_counter()
        times.append(now - last[0])
        last[0] = now
    check_pending(project_id, batch=1, on_batch=tick)
    db.session.commit()
    return milliseconds(times)


def measure_phash():
    big = Image.open(io.BytesIO(drawn(7))).convert("RGB").resize((2048, 1536))
    data = jpeg(big, 90)
    reading = [timed(lambda: read_photo(data)) for _ in range(15)]
    regions = [timed(lambda: [dct_hash(region) for region in shifted_regions(data)]) for _ in range(15)]
    return milliseconds(reading)[0], milliseconds(regions)[0], len(data)


def timed(action):
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def store_random_hashes(count):
    """`count` stored photos with random hashes (and blob rows for them), indexed as the checks index theirs."""
    rng = random.Random(15)
    connection = db.session.connection().connection.driver_connection
    base = db.session.execute(sa.text("SELECT coalesce(max(id), 0) FROM blobs")).scalar() + 1_000_000
    with connection.cursor() as cursor:
        with cursor.copy("COPY blobs (id, sha256, md5, size, created_at) FROM STDIN") as copy:
            for number in range(count):
                copy.write_row((base + number, f"{base + number:064x}", f"{number:032x}", 1, "2026-12-04T00:00:00Z"))
        hashes = [rng.getrandbits(64) - (1 << 63) for _ in range(count)]
        with cursor.copy("COPY photo_facts (blob_id, phash, created_at) FROM STDIN") as copy:
            for number, phash in enumerate(hashes):
                copy.write_row((base + number, phash, "2026-12-04T00:00:00Z"))
        with cursor.copy("COPY photo_hash_bands (band, value, phash, blob_id) FROM STDIN") as copy:
            for number, phash in enumerate(hashes):
                for band, value in bands(phash):
                    copy.write_row((band, value, phash, base + number))
    db.session.commit()
    # what autovacuum does soon after a bulk load: the visibility map lets the look-ups read the index alone
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
        autocommit.execute(sa.text("VACUUM ANALYZE photo_hash_bands, photo_facts"))


def measure_lookup(samples=100):
    queries_ms, whole_ms = [], []
    for seed in range(samples):
        data = drawn(50_000 + seed)
        hashes = [dct_hash(region) for region in shifted_regions(data)]
        pairs = {pair for item in hashes for pair in bands(item)}
        queries_ms.append(timed(lambda: queries.hashes_with_bands(pairs)))
        whole_ms.append(timed(lambda: near_photos(data)))
    return milliseconds(queries_ms)[0], milliseconds(whole_ms)[0]


def measure_recall(photos, planted):
    """Store the readings of `photos` photos, `planted` of them copies of others; look each one up."""
    rng = random.Random(2026)
    originals = [drawn(100_000 + number) for number in range(photos - planted)]
    group = list(range(len(originals)))
    data = list(originals)
    ways = []
    for number in range(planted):
        source = rng.randrange(len(originals))
        copy, way = planted_copy(originals[source], number, rng)
        data.append(copy)
        group.append(source)
        ways.append(way)
    base = db.session.execute(sa.text("SELECT coalesce(max(id), 0) FROM blobs")).scalar() + 1
    db.session.execute(sa.text("INSERT INTO blobs (id, sha256, md5, size, created_at) "
                               "SELECT :base + n, lpad(to_hex(:base + n), 64, 'a'), lpad(to_hex(n), 32, '0'), 1, now() "
                               "FROM generate_series(0, :count - 1) n"), {"base": base, "count": len(data)})
    rows = []
    for number, photo in enumerate(data):
        rows.append({"blob_id": base + number, **vars(read_photo(photo))})
    queries.add_readings(rows)
    db.session.commit()
    found_planted, false_matches, by_way = 0, 0, {}
    for number, photo in enumerate(data):
        matched = near_photos(photo, {base + number})
        other_groups = {group[blob_id - base] for blob_id in matched if 0 <= blob_id - base < len(data)}
        if number >= len(originals):
            hit = group[number] in other_groups
            found_planted += hit
            way = ways[number - len(originals)]
            by_way.setdefault(way, [0, 0])
            by_way[way][0] += hit
            by_way[way][1] += 1
        if other_groups - {group[number]}:
            false_matches += 1
    return found_planted / planted, false_matches / len(data), by_way


def main():
    args = parse_args()
    url = fresh_database(args.pg_admin_url, "minhchung_bench_integrity")
    data_dir = tempfile.mkdtemp(prefix="minhchung-bench-integrity-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": data_dir, "SECRET_KEY": "bench",
                      "CHECK_EVIDENCE_IN_BACKGROUND": False, "RESCORE_IN_BACKGROUND": False, "ODK_VALIDATE": False})
    with app.app_context():
        upgrade_database()
        from server.auth import service as auth_service
        user = auth_service.create_user("bench@example.org", "bench password not secret", "Bench")
        auth_service.assign_role(user.actor, "admin")
        db.session.commit()
    client = app.test_client()
    token = client.post("/v1/sessions", json={"email": "bench@example.org",
                                              "password": "bench password not secret"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    project_id = client.post("/v1/projects", json={"name": "Bench"}, headers=headers).get_json()["id"]
    published = client.post(f"/v1/projects/{project_id}/forms?publish=true&ignoreWarnings=true",
                            data=xlsx_from_markdown(FORM), headers={**headers, "Content-Type": XLSX})
    assert published.status_code == 200, published.get_json()
    with app.test_request_context():
        cost_p50, cost_p90 = measure_cost(client, headers, project_id, args.submissions)
        print(f"cost: the evidence check of one submission version (1024 × 768 photo): p50 {cost_p50:.1f} ms, "
              f"p90 {cost_p90:.1f} ms ({args.submissions} households)", flush=True)
        reading_ms, regions_ms, size = measure_phash()
        print(f"phash: a 3-megapixel photo ({size / 1e6:.1f} MB): capture time and hash {reading_ms:.1f} ms; "
              f"the look-up's {len(SHIFTED)} region hashes {regions_ms:.1f} ms", flush=True)
        started = time.perf_counter()
        store_random_hashes(args.hashes)
        print(f"stored {args.hashes:,} random hashes and their index in {time.perf_counter() - started:.0f} s",
              flush=True)
        query_ms, whole_ms = measure_lookup()
        aim = "met" if query_ms <= AIMS["lookup"] else "MISSED"
        print(f"lookup among {args.hashes:,} hashes: the index query p50 {query_ms:.1f} ms (aim ≤ 20 ms: {aim}); "
              f"a photo's whole look-up (regions, query, filter) p50 {whole_ms:.1f} ms", flush=True)
        recall, false_rate, by_way = measure_recall(args.photos, args.planted)
    ways = ", ".join(f"{way} {hit}/{total}" for way, (hit, total) in sorted(by_way.items()))
    print(f"recall: {recall:.1%} of {args.planted} planted copies found (aim ≥ 95 %: "
          f"{'met' if recall >= AIMS['recall'] else 'MISSED'}; {ways}); photos with a false match "
          f"{false_rate:.2%} of {args.photos} (aim ≤ 1 %: {'met' if false_rate <= AIMS['false'] else 'MISSED'})")


if __name__ == "__main__":
    main()
