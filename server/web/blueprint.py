"""The desk's one blueprint: its pages live at / (the API keeps /v1), its files at /static."""

from pathlib import Path

from flask import Blueprint

STATIC = Path(__file__).resolve().parent.parent / "static"

bp = Blueprint("web", __name__, template_folder="templates", static_folder=str(STATIC), static_url_path="/static")

