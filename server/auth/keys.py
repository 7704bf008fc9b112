"""App-user tokens in the URL, as ODK Central does: /v1/key/{token}/projects/… is /v1/projects/… as that app user.

ODK Collect is configured with a server URL that contains the token, and appends /formList and
/submission to it; it cannot send headers. The prefix is stripped before routing, and remembered
so that the links we hand back (formList downloadUrl, manifest) carry it too.
"""

import re

KEY_PREFIX = re.compile(r"^/v1/key/([^/]+)(/.*)$")


class KeyPrefixMiddleware:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        match = KEY_PREFIX.match(environ.get("PATH_INFO", ""))
        if match:
            token, rest = match.groups()
            environ["minhchung.key_token"] = token
            environ["minhchung.key_prefix"] = f"/v1/key/{token}"
            environ["PATH_INFO"] = "/v1" + rest
        return self.app(environ, start_response)
