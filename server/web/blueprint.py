"""The desk's one blueprint: its pages live at / (the API keeps /v1), its files at /static."""

from pathlib import Path

from flask import Blueprint

STATIC = Path(__file__).resolve().parent.parent / "static"

bp = Blueprint("web", __name__, template_folder="templates", static_folder=str(STATIC), static_url_path="/static")


def writes_on_read(view):
    """A page that writes while it reads (it scores what is pending, notes the visit, or keeps a thumbnail): on
    SQLite it takes the writer lock at BEGIN (server/__init__.py request_may_write)."""
    view.writes_on_read = True
    return view
