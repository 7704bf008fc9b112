"""Scoring: what the criteria say, what each subject scores, and what that adds up to.

rules/ is the pure part (no Flask, no database): reading a workbook's scoring sheets into a RuleSet, the
expression language, and the engine that scores one subject's answers (see rules/__init__.py).

The database side, in the order a submission goes through it:
  answers.py           what the engine reads from a stored submission (answers, subject, area, period)
  scores.py            stored submissions scored under their form version's rules, kept per version
  rescoring.py         the background job that rescores a project after a new form version is published
  results.py           which result counts for each subject and period
  member_rollups.py    results that draw on their members' results (a hamlet's share of households)
  area_totals.py       counted results summed up the administrative tree (pure)
  recognition.py       officers' decisions on the proposals, and the annex of the decision
  targets.py           plan targets read from a file, and progress arithmetic (pure)
  target_progress.py   targets kept per project, and progress against them from the results
  queries.py (all SQL), models.py, schemas.py (JSON), routes.py (REST), cli.py (`minhchung rescore`)
Which subject kind is whose member lives in server/subject_kinds.py.
"""
