"""Which requests are OpenRosa's (what ODK Collect calls): a pure test of the path, importable from anywhere."""

import re

from flask import request

OPENROSA_PATH = re.compile(r"/v1/projects/[^/]+/(?:formList|submission|forms/[^/]+/manifest)/?")


def is_openrosa_request() -> bool:
    """An OpenRosa path (for an app user, after its /v1/key/{token} prefix is taken off), whatever the method."""
    return OPENROSA_PATH.fullmatch(request.path) is not None
