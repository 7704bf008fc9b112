"""The one catalogue of problems, in ODK Central's shape: {"code": 409.3, "message": …, "details": …}.

Codes below 400.50 (etc.) are Central's own (central-backend lib/util/problem.js) so that pyodk and
Central's documentation apply; codes from .50 up are Minh Chứng's additions.
"""

import logging
from math import floor

from flask import jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    """A problem a client can act on: HTTP status = floor(code)."""

    def __init__(self, code, message, details=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def status(self):
        return floor(self.code)

    def to_dict(self):
        body = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


def problem(code, template):
    """Make a constructor for one catalogue entry; keyword details fill the message template."""

    def make(**details):
        return AppError(code, template.format(**details), details or None)

    make.code = code
    return make


unparseable = problem(400.1, "Could not parse the given data ({length} bytes) as {format}.")
missing_parameter = problem(400.2, "Required parameter {field} missing.")
invalid_header = problem(400.6, "An expected header field ({field}) did not match the expected format (got: {value}).")
missing_multipart_field = problem(400.7, "Required multipart POST field {field} missing.")
unexpected_value = problem(400.8, "Unexpected {field} value {value}; {reason}")
invalid_data_type = problem(400.11, "Invalid input data type: expected '{field}' to be ({expected}).")
xlsform_not_valid = problem(400.15, "The given XLSForm file was not valid. Please see the error details for more information.")
form_warnings = problem(400.16, "The Form is valid, but with warnings. Please check the warnings and if they "
                                "are acceptable resubmit with ?ignoreWarnings=true")
expected_deprecation = problem(400.19, "This PUT endpoint expects a deprecatedID metadata tag pointing at the current "
                                        "version instanceID. I cannot find that tag in your request.")
password_too_short = problem(400.21, "The password or passphrase provided does not meet the required length ({minimum} characters).")
invalid_entity = problem(400.28, "The entity is invalid. {reason}")
unexpected_attributes = problem(400.31, "Expected parameters: ({expected}). Got ({actual}).")
xform_not_valid = problem(400.50, "The given XForm was not valid: {reason}")
hostile_xml = problem(400.51, "The XML was refused: {reason}")
unsafe_file_name = problem(400.52, "The file name {name!r} is not allowed: {reason}")
scoring_sheet_invalid = problem(400.53, "The scoring sheets are not valid: {error}")
table_not_valid = problem(400.54, "The {what} could not be imported: {count} problem(s); see details.errors "
                                  "(row numbers as in the spreadsheet, header = row 1).")
geometry_not_valid = problem(400.55, "The GeoJSON could not be used: {reason}")
authentication_failed = problem(401.2, "Could not authenticate with the provided credentials.")
https_only = problem(401.3, "This authentication method is only available over HTTPS")
insufficient_rights = problem(403.1, "The authentication you provided does not have rights to perform that action.")
not_found = problem(404.1, "Could not find the resource you were looking for.")
deprecated_id_not_found = problem(404.5, "You tried to update an existing submission, but we can't find that "
                                         "submission to update ({deprecatedId})")
form_version_not_found = problem(404.6, "The form version specified in this submission '{formVersion}' does not exist.")
method_not_allowed = problem(405.1, "This resource does not accept the {method} method.")
xml_conflict = problem(409.1, "A submission already exists with this ID, but with different XML. Resubmissions to "
                              "attach additional multimedia must resubmit an identical xml_submission_file.")
not_accepting_submissions = problem(409.2, "This form is not currently accepting submissions. Please talk to your "
                                           "program staff if this is unexpected.")
uniqueness_violation = problem(409.3, "A resource already exists with {fields} value(s) of {values}.")
version_conflict = problem(409.6, "You tried to publish the form '{xmlFormId}' with version '{version}', but a published "
                                  "form has already existed in this project with those identifiers. Please choose a new "
                                  "name and try again. You can re-request with ?version=xyz to have the version changed "
                                  "in-place for you.")
no_published_version = problem(409.7, "Could not delete draft, because the form has not been published. Either delete "
                                      "the whole form, or replace the draft.")
instance_id_conflict = problem(409.8, "You tried to update a submission, but the instanceID you provided already "
                                     "exists on this server. Please try again with a unique instanceID.")
deprecating_old_submission = problem(409.9, "You tried to update a submission, but the copy you were editing "
                                            "({deprecatedId}) is now out of date. Please get the new version that has "
                                            "been submitted, and make your edits again.")
entity_version_conflict = problem(409.15, "Current version of the Entity is '{current}' and you provided '{provided}'. "
                                          "Please correct the version number or pass '?force=true' in the URL to "
                                          "forcefully update the Entity.")
dataset_name_conflict = problem(409.16, "A dataset named '{current}' exists and you provided '{provided}' with the "
                                        "same name but different capitalization.")
form_closed = problem(409.50, "The form '{xmlFormId}' is closed. Reopen it (state open) before uploading a new version or its files.")
no_draft = problem(409.51, "The form '{xmlFormId}' has no draft. Create one with POST …/forms/{xmlFormId}/draft first.")
body_too_large = problem(413.1, "The request body is larger than this server accepts here ({limit} bytes).")
unsupported_media_type = problem(415.1, "The Content-Type {content_type!r} is not accepted here; send {expected}.")
internal = problem(500.1, "An unknown internal problem has occurred. Please try again later.")
validator_unavailable = problem(500.50, "ODK Validate could not run: {reason}")


def register_error_handlers(app):
    """Render every error as Central's JSON problem; never a stack trace."""

    @app.errorhandler(AppError)
    def handle_app_error(error):
        return jsonify(error.to_dict()), error.status

    @app.errorhandler(HTTPException)
    def handle_http_exception(error):
        return handle_app_error(from_http_exception(error))

    @app.errorhandler(Exception)
    def handle_unexpected(error):
        log.exception("unhandled error")
        return handle_app_error(internal())


def from_http_exception(error):
    """Translate Werkzeug's routing and body-size errors into catalogue problems."""
    if error.code == 404:
        return not_found()
    if error.code == 405:
        from flask import request
        return method_not_allowed(method=request.method)
    if error.code == 413:
        from flask import current_app, request
        return body_too_large(limit=request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"])
    if error.code == 400:
        return AppError(400.0, error.description or "Bad request.")
    return AppError(float(error.code), error.description or error.name)
