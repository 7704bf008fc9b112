"""Flask extensions, created unbound and initialised in create_app."""

from pathlib import Path

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from .db import Base

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")

# create_savepoint lets a test wrap every request in one outer transaction that it rolls back;
# against a plain engine (production) it changes nothing.
db = SQLAlchemy(model_class=Base, session_options={"join_transaction_mode": "create_savepoint"})
migrate = Migrate(directory=MIGRATIONS_DIR, compare_type=True, render_as_batch=True)
