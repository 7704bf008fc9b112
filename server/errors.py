"""The one catalogue of problems, in ODK Central's shape: {"code": 409.3, "message": …, "details": …}.

Each entry declares its code as written on the wire (a JSON number: "409.52", never "409.50", which JSON sends
as 409.5) and, where the code is one of Central's (central-backend lib/util/problem.js), the name Central gives
it, so that pyodk and Central's documentation apply. Minh Chứng's own codes take decimals Central does not use
(from .51 up); tests/unit/test_error_catalogue.py holds the catalogue to that.
"""

import json
import logging
from math import floor
from types import FunctionType

from flask import current_app, jsonify, request
from gunicorn.http.errors import NoMoreData
from gunicorn.http.errors import ParseException as BrokenBody  # gunicorn reads chunked bodies as the app reads
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
CATALOGUE = {}  # entry name → its constructor (with .code, .declared, .central)


class AppError(Exception):
    """A problem a client can act on: HTTP status = floor(code)."""

    def __init__(self, code: float, message: str, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.headers = {}  # response headers the problem needs (Retry-After on a 429)

    @property
    def status(self) -> int:
        return floor(self.code)

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


def problem(declared: str, central: str | None, template: str):
    """Make the constructor of one catalogue entry: keyword details fill the message template and go out as
    `details`. `declared` is the code as it goes on the wire; `central` the name of Central's problem with
    that code, or None for ours."""

    def make(**details) -> AppError:
        return AppError(make.code, template.format(**details), details or None)

    make.declared, make.code, make.central, make.template = declared, float(declared), central, template
    return make


unparseable = problem("400.1", "unparseable", "Could not parse the given data ({length} bytes) as {format}.")
missing_parameter = problem("400.2", "missingParameter", "Required parameter {field} missing.")
invalid_header = problem("400.6", "invalidHeader", "An expected header field ({field}) did not match the expected "
                                                   "format (got: {value}).")
missing_multipart_field = problem("400.7", "missingMultipartField", "Required multipart POST field {field} missing.")
unexpected_value = problem("400.8", "unexpectedValue", "Unexpected {field} value {value}; {reason}")
invalid_data_type = problem("400.11", "invalidDataTypeOfParameter", "Invalid input data type: expected '{field}' to be"
                                                                    " ({expected}).")
xlsform_not_valid = problem("400.15", "xlsformNotValid", "The given XLSForm file was not valid. Please see the error "
                                                         "details for more information.")
form_warnings = problem("400.16", "formWarnings", "The Form is valid, but with warnings. Please check the warnings and"
                                                  " if they are acceptable resubmit with ?ignoreWarnings=true")
expected_deprecation = problem("400.19", "expectedDeprecation", "This PUT endpoint expects a deprecatedID metadata tag"
                                                                " pointing at the current version instanceID. I cannot"
                                                                " find that tag in your request.")
password_too_short = problem("400.21", "passwordTooShort", "The password or passphrase provided does not meet the "
                                                           "required length ({minimum} characters).")
unparseable_odata = problem("400.18", "unparseableODataExpression", "The OData filter expression you provided could "
                            "not be parsed: {reason}")
property_not_found = problem("400.23", "propertyNotFound", "Could not find a property named '{property}'")
unsupported_odata_select = problem("400.24", "unsupportedODataSelectField",
                                   "The given OData select property '{property}' uses features not supported by this "
                                   "server.")
invalid_query = problem("400.41", "invalidQuery", "Invalid query parameters {paramSet}: {violationText}")
invalid_skiptoken = problem("400.35", "odataInvalidSkiptoken", "Invalid $skiptoken")
invalid_entity = problem("400.28", "invalidEntity", "The entity is invalid. {reason}")
unexpected_attributes = problem("400.31", "unexpectedAttributes", "Expected parameters: ({expected}). Got ({actual}).")
xform_not_valid = problem("400.56", None, "The given XForm was not valid: {reason}")
hostile_xml = problem("400.51", None, "The XML was refused: {reason}")
unsafe_file_name = problem("400.52", None, "The file name {name!r} is not allowed: {reason}")
scoring_sheet_invalid = problem("400.53", None, "The scoring sheets are not valid: {error}")
table_not_valid = problem("400.54", None, "The {what} could not be imported: {count} problem(s); see details.errors "
                                          "(row numbers as in the spreadsheet, header = row 1).")
geometry_not_valid = problem("400.55", None, "The GeoJSON could not be used: {reason}")
authentication_failed = problem("401.2", "authenticationFailed", "Could not authenticate with the provided "
                                                                 "credentials.")
https_only = problem("401.3", "httpsOnly", "This authentication method is only available over HTTPS")
insufficient_rights = problem("403.1", "insufficientRights", "The authentication you provided does not have rights to "
                                                             "perform that action.")
not_found = problem("404.1", "notFound", "Could not find the resource you were looking for.")
deprecated_id_not_found = problem("404.5", "deprecatedIdNotFound", "You tried to update an existing submission, but we"
                                                                   " can't find that submission to update "
                                                                   "({deprecatedId})")
form_version_not_found = problem("404.6", "formVersionNotFound", "The form version specified in this submission "
                                                                 "'{formVersion}' does not exist.")
method_not_allowed = problem("405.1", None, "This resource does not accept the {method} method.")
xml_conflict = problem("409.1", "xmlConflict", "A submission already exists with this ID, but with different XML. "
                                               "Resubmissions to attach additional multimedia must resubmit an "
                                               "identical xml_submission_file.")
not_accepting_submissions = problem("409.2", "notAcceptingSubmissions", "This form is not currently accepting "
                                                                        "submissions. Please talk to your program "
                                                                        "staff if this is unexpected.")
uniqueness_violation = problem("409.3", "uniquenessViolation", "A resource already exists with {fields} value(s) of "
                                                               "{values}.")
version_conflict = problem("409.6", "versionUniquenessViolation", "You tried to publish the form '{xmlFormId}' with "
                                                                  "version '{version}', but a published form has "
                                                                  "already existed in this project with those "
                                                                  "identifiers. Please choose a new name and try "
                                                                  "again. You can re-request with ?version=xyz to have"
                                                                  " the version changed in-place for you.")
no_published_version = problem("409.7", "noPublishedVersion", "Could not delete draft, because the form has not been "
                                                              "published. Either delete the whole form, or replace the"
                                                              " draft.")
instance_id_conflict = problem("409.8", "instanceIdConflict", "You tried to update a submission, but the instanceID "
                                                              "you provided already exists on this server. Please try "
                                                              "again with a unique instanceID.")
deprecating_old_submission = problem("409.9", "deprecatingOldSubmission", "You tried to update a submission, but the "
                                                                          "copy you were editing ({deprecatedId}) is "
                                                                          "now out of date. Please get the new version"
                                                                          " that has been submitted, and make your "
                                                                          "edits again.")
entity_version_conflict = problem("409.15", "entityVersionConflict", "Current version of the Entity is '{current}' and"
                                                                     " you provided '{provided}'. Please correct the "
                                                                     "version number or pass '?force=true' in the URL "
                                                                     "to forcefully update the Entity.")
dataset_name_conflict = problem("409.16", "datasetNameConflict", "A dataset named '{current}' exists and you provided "
                                                                 "'{provided}' with the same name but different "
                                                                 "capitalization.")
form_closed = problem("409.52", None, "The form '{xmlFormId}' is closed. Reopen it (state open) before uploading a new"
                                      " version or its files.")
no_draft = problem("409.51", None, "The form '{xmlFormId}' has no draft. Create one with POST "
                                   "…/forms/{xmlFormId}/draft first.")
body_too_large = problem("413.1", None, "The request body is larger than this server accepts here ({limit} bytes).")
unsupported_media_type = problem("415.1", None, "The Content-Type {content_type!r} is not accepted here; send "
                                                "{expected}.")
internal = problem("500.1", "unknown", "An unknown internal problem has occurred. Please try again later.")
validator_unavailable = problem("500.51", None, "ODK Validate could not run: {reason}")


# Minh Chứng's own, for what Central has no problem for
app_user_revoked = problem("404.51", None, "The app user '{name}' has had its access revoked, so it has no QR code. "
                                           "Create a new app user to configure a device.")
csrf_failed = problem("403.51", None, "The page's security token (CSRF) is missing or out of date: reload the page and "
                                     "try again.")
bad_request = problem("400.57", None, "The request could not be read: {reason}")
range_not_satisfiable = problem("416.1", None, "The requested range cannot be served.")
too_many_login_failures = problem("429.51", None, "Too many failed logins for this account or from this address; "
                                                  "try again in {retryAfter} seconds.")
not_implemented = problem("501.1", "notImplemented", "The requested feature {feature} is not supported by this server.")

CATALOGUE.update((name, entry) for name, entry in list(globals().items())
                 if isinstance(entry, FunctionType) and hasattr(entry, "declared"))


def table_problems(problems: list, what: str = "area list") -> AppError:
    """The problems found in an uploaded table (server/tables problem() dicts) as one 400.54, by row."""
    problems = sorted(problems, key=lambda item: item["row"])
    return table_not_valid(what=what, count=len(problems), errors=problems[:200])


def table_error(error, what: str = "area list") -> AppError:
    """A tables.TableError (an unreadable file) as the same 400.54 problem, with its row when known."""
    return table_problems([{"row": error.row or 1, "column": None, "message": error.message}], what)


RENDERERS = []  # (applies() -> bool, render(AppError) -> response): paths whose clients read another shape


def render_some_paths(applies, render):
    """Render the problems of the requests `applies()` picks with `render` (OpenRosa paths answer in XML,
    routing's 404 and 405 included)."""
    RENDERERS.append((applies, render))


def render_problem(error: AppError):
    """The response of a problem: Central's JSON, or as render_some_paths says for the request's path."""
    for applies, render in RENDERERS:
        if applies():
            response = render(error)
            break
    else:
        response = current_app.make_response((jsonify(error.to_dict()), error.status))
    response.headers.update(error.headers)
    return response


def refused_value() -> AppError:
    return bad_request(reason="a value is too long or out of range.")


def register_error_handlers(app):
    """Render every error as Central's JSON problem (or as render_some_paths says); never a stack trace."""

    handle_app_error = app.errorhandler(AppError)(render_problem)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error):
        return handle_app_error(from_http_exception(error))

    @app.errorhandler(BrokenBody)
    @app.errorhandler(NoMoreData)
    def handle_broken_body(error):
        """A body that is not valid HTTP (a malformed chunk, one cut short) is the client's fault."""
        problem = bad_request(reason="the request body is not valid HTTP (malformed or cut short chunked encoding).")
        problem.headers["Connection"] = "close"
        return handle_app_error(problem)

    @app.errorhandler(DataError)
    def handle_data_error(error):
        """A value the database refuses (too long, out of range) that no check caught: still the client's
        input, so a 400 and nothing written (the request rolls back); logged, since a check should catch it."""
        log.warning("database refused a value: %s", str(error.orig).splitlines()[0] if error.orig else error)
        return handle_app_error(refused_value())

    @app.errorhandler(Exception)
    def handle_unexpected(error):
        log.exception("unhandled error")
        return handle_app_error(internal())


def from_http_exception(error: HTTPException) -> AppError:
    """Translate Werkzeug's routing, body and range errors into catalogue problems; any other is a bug."""
    made = {
        400: lambda: bad_request(reason=error.description or "bad request"),
        401: authentication_failed,
        403: insufficient_rights,
        404: not_found,
        405: lambda: method_not_allowed(method=request.method),
        413: lambda: body_too_large(limit=request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"]),
        416: range_not_satisfiable,
        501: lambda: not_implemented(feature=request.method),
    }.get(error.code)
    if made is None:
        log.error("unexpected HTTP error %s: %s", error.code, error.description)
        return internal()
    return made()


def wire_code(entry) -> str:
    """The code of a catalogue entry exactly as JSON carries it."""
    return json.dumps(entry.code)
