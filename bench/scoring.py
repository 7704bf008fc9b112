#!/usr/bin/env python3
"""Scoring benchmark: how many subjects per second the scoring engine scores on one core.

Reads the rule sets of the criteria workbooks in xlsforms/ (as the server does on upload), makes N synthetic
answer sets per workbook (a seeded mix of numbers and co/khong/thuong_xuyen… answers for every field the
rules read, so that some indicators are met and some are not), and times Scorer.score (server/scoring/rules/engine.py)
over them, single-threaded, --repeat times; then Scorer.explain, which a person reading a result needs. Prints
subjects/s (median and range), µs per subject, µs per
explanation, the share recognised (a sanity check that the answers exercise both outcomes) and the memory
one result takes.
This is not a test; see bench/README.md.
"""

import argparse
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import openpyxl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from server.forms.build import XLSFORM_DIR  # noqa: E402
from server.scoring.rules.engine import Scorer  # noqa: E402
from server.scoring.rules.reader import rules_of_sheets as read_rules  # noqa: E402
from server.scoring.rules.workbook import read_scoring_sheets  # noqa: E402

ANSWERS = ("co", "co", "co", "khong", "thuong_xuyen", "thuong_xuyen", "chua_thuong_xuyen", "khong_tham_gia")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="subjects per workbook (default 200,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per workbook; the median is reported")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def rules_of(path):
    survey = openpyxl.load_workbook(path, read_only=True)["survey"]
    header, *rows = list(survey.iter_rows(values_only=True))
    fields = {row[header.index("name")] for row in rows if row[header.index("name")]}
    return read_rules(read_scoring_sheets(path.read_bytes(), "xlsx"), field_names=fields)


def synthetic_answers(rules, n, rng):
    """n answer sets: counts of people (0–6, a count of those who qualify at most one short of it) and choice
    answers, over every field the rules read."""
    fields = sorted(rules.fields_referenced)
    answer_sets = []
    for _ in range(n):
        values = {}
        for field in fields:
            if field.startswith("so_"):
                values[field] = str(rng.randint(0, 6))
            else:
                values[field] = rng.choice(ANSWERS)
        answer_sets.append(values)
    return answer_sets


def synthetic_rollups(rules, rng):
    return {key: rng.random() for key in rules.rollups_referenced} or None


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    print(f"Python {sys.version.split()[0]}; {args.n:,} subjects per workbook, {args.repeat} runs each, one thread")
    print("| workbook | model | style | indicators | subjects/s (median, range) | µs/subject | explain µs/subject "
          "| recognised | result memory per subject |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for path in sorted(XLSFORM_DIR.glob("*.xlsx")):
        rules = rules_of(path)
        if rules is None:
            continue
        answer_sets = synthetic_answers(rules, args.n, rng)
        rollups = synthetic_rollups(rules, rng)
        scorer, rates = Scorer(rules), []
        for _ in range(args.repeat):
            started = time.perf_counter()
            scores = [scorer.score(values, rollups) for values in answer_sets]
            rates.append(args.n / (time.perf_counter() - started))
        recognised = sum(score.recognised for score in scores) / len(scores)
        sample = list(zip(scores, answer_sets))[:20_000]
        started = time.perf_counter()
        for score, values in sample:
            scorer.explain(score, values, rollups)
        explain_us = (time.perf_counter() - started) / len(sample) * 1e6
        del scores, sample
        tracemalloc.start()
        kept = [scorer.score(values, rollups) for values in answer_sets[:10_000]]
        memory = tracemalloc.get_traced_memory()[0] / len(kept)
        tracemalloc.stop()
        del kept
        median = statistics.median(rates)
        print(f"| {path.stem} | {rules.kind} | {rules.style} | {len(rules.indicators)} | {median:,.0f} "
              f"[{min(rates):,.0f}–{max(rates):,.0f}] | {1e6 / median:.1f} | {explain_us:.1f} | {recognised:.0%} "
              f"| {memory:,.0f} B |", flush=True)


if __name__ == "__main__":
    main()
