#!/usr/bin/env python3
"""Roll-up benchmark: the results of a whole country summed to every province, on PostgreSQL.

Builds a scratch database in the national shape (by default 34 provinces, 3,321 communes, 70,000 hamlets,
1,000,000 households and 1,000,000 citizens, every hamlet evaluated too), publishes the real criteria
workbooks of xlsforms/ (gia_dinh, cong_dan, cong_dong), and loads the results in SQL: household and citizen
scores as the scoring step writes them (~80 % and ~60 % recognised), and one hamlet submission each, whose
rules read share_recognised('gia_dinh') and share_recognised('cong_dan'). Submissions are dated over the
past month, as in a campaign under way.

Then it times what GET …/results/summary?level=province does (server/scoring/results.py), in-process:
  cold  the first time: member counts summed in SQL, and every hamlet scored with its members (kept);
  warm  the same again (nothing to score: each hamlet's result is kept under its member counts);
  after one household is rejected: its hamlet alone is scored again;
then one commune's hamlets listed, and an officer's decision on a household and on a hamlet.
It prints seconds (median of --repeat for warm), the process's peak RSS, and the national
recognised rates as a sanity check. This is not a test; see bench/README.md.
"""

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.ingest import fresh_database  # noqa: E402
from server import create_app  # noqa: E402
from server.auth import service as auth_service  # noqa: E402
from server.database import upgrade_database  # noqa: E402
from server.demo import publish_workbook  # noqa: E402
from server.extensions import db  # noqa: E402
from server.forms.build import XLSFORM_DIR  # noqa: E402
from server.forms.queries import get_form_by_project_and_xml_form_id  # noqa: E402
from server.projects import service as project_service  # noqa: E402
from server.scoring import recognition as recognition_decisions  # noqa: E402
from server.scoring import results  # noqa: E402

PERIOD = 2026
HAMLET_XML = ("<data id=\"cong_dong_hoc_tap\" version=\"{version}\"><nam_danh_gia>2026</nam_danh_gia>"
              "<thon>' || h.code || '</thon><tc1><tuyen_truyen>co</tuyen_truyen><ke_hoach_xhht>co</ke_hoach_xhht>"
              "<tuan_le_hoc_tap>co</tuan_le_hoc_tap></tc1><tc2><kinh_phi_hoc_tap>co</kinh_phi_hoc_tap>"
              "<xa_hoi_hoa>co</xa_hoi_hoa><phoi_hop>co</phoi_hop></tc2><tc3><nha_van_hoa_hoc_tap>co"
              "</nha_van_hoa_hoc_tap></tc3><meta><instanceID>uuid:thon-' || h.code || '</instanceID></meta></data>")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@localhost/postgres",
                        help="a PostgreSQL server (with PostGIS) where the scratch database minhchung_bench_rollup "
                             "is created; it is dropped and made again")
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--communes", type=int, default=3_321)
    parser.add_argument("--hamlets", type=int, default=70_000)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def fresh_postgis_database(admin_url, name="minhchung_bench_rollup"):
    url = fresh_database(admin_url, name)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    return url


def timed(label, statement_or_call, **params):
    started = time.perf_counter()
    if callable(statement_or_call):
        statement_or_call()
    else:
        for statement in filter(str.strip, statement_or_call.split(";")):
            db.session.execute(sa.text(statement), params)
        db.session.commit()
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def load(args, project):
    """The area tree, the forms, and the results, in SQL."""
    forms = {}
    for stem in ("gia_dinh_hoc_tap", "cong_dan_hoc_tap", "cong_dong_hoc_tap"):
        publish_workbook(project, XLSFORM_DIR / f"{stem}.xlsx", {"ODK_VALIDATE": False,
                                                                "MAX_XLSX_UNZIPPED_BYTES": 100 << 20}, None)
        form = get_form_by_project_and_xml_form_id(project.id, stem)
        forms[stem] = (form.id, form.current_def_id, form.current_def.version)
    db.session.commit()
    p = dict(provinces=args.provinces, communes=args.communes, hamlets=args.hamlets)
    timed("areas", """
        INSERT INTO areas (code, name, level, created_at)
          SELECT 'P' || g, 'Tỉnh ' || g, 'province', now() FROM generate_series(1, :provinces) g;
        INSERT INTO areas (code, name, level, parent_id, created_at)
          SELECT 'C' || g, 'Xã ' || g, 'commune', (SELECT id FROM areas WHERE code = 'P' || (1 + g % :provinces)), now()
          FROM generate_series(1, :communes) g;
        INSERT INTO areas (code, name, level, parent_id, created_at)
          SELECT 'H' || g, 'Thôn ' || g, 'hamlet', c.id, now()
          FROM generate_series(1, :hamlets) g JOIN areas c ON c.code = 'C' || (1 + g % :communes);""", **p)
    for stem, kind, count, share in (("gia_dinh_hoc_tap", "gia_dinh", args.households, 0.8),
                                      ("cong_dan_hoc_tap", "cong_dan", args.citizens, 0.6)):
        form_id, form_def_id, _ = forms[stem]
        timed(f"{count:,} {kind} submissions and scores", f"""
            INSERT INTO submissions (form_id, instance_id, created_at)
              SELECT :form_id, 'uuid:{kind}-' || g, now() - interval '30 days' + g * interval '1 second'
              FROM generate_series(1, :count) g;
            INSERT INTO submission_defs (submission_id, form_id, form_def_id, instance_id, xml, xml_sha256, current,
                                         created_at)
              SELECT id, form_id, :form_def_id, instance_id, '<data/>', '', true, created_at
              FROM submissions WHERE form_id = :form_id;
            INSERT INTO scores (submission_id, submission_def_id, form_def_id, ruleset_id, model, subject, area_code,
                                period, total, result, level, recognised, mandatory_met, points, unmet, held_back_by,
                                scored_at)
              SELECT d.submission_id, d.id, :form_def_id, 'bench', :kind, d.instance_id,
                     'H' || (1 + (hashtext(d.instance_id) & 2147483647) % :hamlets), {PERIOD}, 0, NULL, NULL,
                     random() < :share, true, '{{}}', '[]', '[]', now()
              FROM submission_defs d
              WHERE d.form_id = :form_id;""", form_id=form_id, form_def_id=form_def_id, count=count,
              kind=kind, share=share, hamlets=args.hamlets)
    form_id, form_def_id, version = forms["cong_dong_hoc_tap"]
    xml = HAMLET_XML.format(version=version)
    timed(f"{args.hamlets:,} hamlet submissions and their scores without members", f"""
        INSERT INTO submissions (form_id, instance_id, created_at)
          SELECT :form_id, 'uuid:thon-' || code, now() - interval '1 day' FROM areas WHERE level = 'hamlet';
        INSERT INTO submission_defs (submission_id, form_id, form_def_id, instance_id, xml, xml_sha256, current,
                                     created_at)
          SELECT s.id, s.form_id, :form_def_id, s.instance_id, '{xml}', '', true, s.created_at
          FROM submissions s JOIN areas h ON s.instance_id = 'uuid:thon-' || h.code WHERE s.form_id = :form_id;
        INSERT INTO scores (submission_id, submission_def_id, form_def_id, ruleset_id, model, subject, area_code,
                            period, total, result, level, recognised, mandatory_met, points, unmet, held_back_by,
                            scored_at)
          SELECT d.submission_id, d.id, :form_def_id, 'bench', 'cong_dong', substr(d.instance_id, 11),
                 substr(d.instance_id, 11), {PERIOD}, 0, NULL, NULL, false, true, '{{}}', '[]', '["ty_le_gdht"]',
                 now()
          FROM submission_defs d WHERE d.form_id = :form_id;""", form_id=form_id, form_def_id=form_def_id)
    timed("ANALYZE", "ANALYZE")
    return forms


def summary(project_id):
    """Seconds of one province-level summary, the process's peak RSS so far, and the summary of everything."""
    started = time.perf_counter()
    _, total = results.summarise_results(project_id, "province", PERIOD)
    db.session.commit()
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, total


def describe(total):
    return ", ".join(f"{count.kind} {count.recognised:,}/{count.evaluated:,} ({count.rate:.0%})"
                     for count in total.kinds if count.evaluated)


def main():
    args = parse_args()
    url = fresh_postgis_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": Path("/tmp/minhchung-bench-rollup")})
    with app.app_context():
        upgrade_database()
        project = project_service.create_project("Bench roll-up")
        db.session.commit()
        print(f"Loading {args.provinces} provinces, {args.communes:,} communes, {args.hamlets:,} hamlets, "
              f"{args.households:,} households, {args.citizens:,} citizens (PostgreSQL)", flush=True)
        load(args, project)
        print("| run | seconds | peak RSS of the process | national result |")
        print("|---|---:|---:|---|")
        seconds, peak, total = summary(project.id)
        print(f"| cold: every hamlet scored with its members | {seconds:.1f} | {peak / 2**20:,.0f} MiB "
              f"| {describe(total)} |", flush=True)
        runs = [summary(project.id) for _ in range(args.repeat)]
        seconds = statistics.median(run[0] for run in runs)
        print(f"| warm (median of {args.repeat}; range {min(r[0] for r in runs):.1f}–{max(r[0] for r in runs):.1f}) "
              f"| {seconds:.1f} | {max(r[1] for r in runs) / 2**20:,.0f} MiB | {describe(runs[-1][2])} |")
        db.session.execute(sa.text("UPDATE submissions SET review_state = 'rejected' "
                                   "WHERE instance_id = 'uuid:gia_dinh-1'"))
        db.session.commit()
        seconds, peak, total = summary(project.id)
        print(f"| after one household is rejected | {seconds:.1f} | {peak / 2**20:,.0f} MiB | {describe(total)} |")
        kept = db.session.execute(sa.text("SELECT count(*) FROM member_scores")).scalar()
        print(f"member scores kept: {kept:,}")
        officer = auth_service.create_user("officer@bench.invalid", "bench-password-1")
        db.session.commit()
        for label, call in (
                ("a commune's hamlets listed (GET …/results?model=cong_dong&area=C7)",
                 lambda: results.counted_results(project.id, "cong_dong", PERIOD, "C7")),
                ("an officer decides on a household (PUT …/recognition/gia_dinh/…)",
                 lambda: recognition_decisions.decide(project.id, "gia_dinh", PERIOD, "uuid:gia_dinh-7", False,
                                                      "bench", officer.actor)),
                ("an officer decides on a hamlet (PUT …/recognition/cong_dong/…)",
                 lambda: recognition_decisions.decide(project.id, "cong_dong", PERIOD, "H7", False, "bench",
                                                      officer.actor))):
            started = time.perf_counter()
            call()
            db.session.commit()
            print(f"{label}: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
