"""Scoring: criteria rule sets read from XLSForm workbooks, and their expressions. Pure modules only.

syntax.py (tokens, AST, parser) → expressions.py (closures) over xpath.py (XPath 1.0 conversions);
sheets.py reads the `scoring` and `recognition` sheets of a workbook; rules.py turns them into a RuleSet
or one RulesError listing every problem (docs/xlsform-scoring.md is the designer's guide to the format).
"""
