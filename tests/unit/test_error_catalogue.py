"""The error catalogue as it goes on the wire: every code unique, sent exactly as declared, and never one of
ODK Central's codes with another meaning (pyodk and Central's documentation read our codes as Central's)."""

import json

import pytest

from server import errors

# central-backend lib/util/problem.js: code → name
CENTRAL = {
    "400.1": "unparseable", "400.2": "missingParameter", "400.3": "missingParameters",
    "400.4": "unexpectedAttribute", "400.6": "invalidHeader", "400.7": "missingMultipartField",
    "400.8": "unexpectedValue", "400.9": "oauth", "400.11": "invalidDataTypeOfParameter", "400.12": "undecryptable",
    "400.13": "valueTooLong", "400.14": "keyDoesNotExist", "400.15": "xlsformNotValid", "400.16": "formWarnings",
    "400.17": "fieldTypeConflict", "400.18": "unparseableODataExpression", "400.19": "expectedDeprecation",
    "400.21": "passwordTooShort", "400.22": "valueOutOfRangeForType", "400.23": "propertyNotFound",
    "400.24": "unsupportedODataSelectField", "400.25": "invalidEntityForm", "400.26": "datasetLinkNotAllowed",
    "400.27": "missingMeta", "400.28": "invalidEntity", "400.29": "pendingSubmissions",
    "400.31": "unexpectedAttributes", "400.32": "noConflictEntity", "400.33": "unexpectedProperties",
    "400.34": "odataRepeatIdNotFound", "400.35": "odataInvalidSkiptoken", "400.36": "requestTooLarge",
    "400.37": "encodingNotSupported", "400.38": "passwordTooLong", "400.39": "multipartParsingFailed",
    "400.41": "invalidQuery", "400.42": "invalidRange", "400.43": "multiEntityError", "400.44": "passwordTooWeak",
    "401.2": "authenticationFailed", "401.3": "httpsOnly", "401.5": "basicAuthNotSupportedWhenOidcEnabled",
    "403.1": "insufficientRights", "403.2": "entityActionNotPermitted", "404.1": "notFound",
    "404.2": "missingApiVersion", "404.3": "unexpectedApiVersion", "404.4": "failedDraftAccess",
    "404.5": "deprecatedIdNotFound", "404.6": "formVersionNotFound", "404.7": "datasetNotFound",
    "404.8": "entityNotFound", "404.9": "entityVersionNotFound", "404.11": "entityDeleted",
    "406.1": "unacceptableFormat", "409.1": "xmlConflict", "409.2": "notAcceptingSubmissions",
    "409.3": "uniquenessViolation", "409.4": "alreadyActive", "409.5": "encryptionActivating",
    "409.6": "versionUniquenessViolation", "409.7": "noPublishedVersion", "409.8": "instanceIdConflict",
    "409.9": "deprecatingOldSubmission", "409.11": "enketoNotReady", "409.12": "editingClosingOrClosed",
    "409.13": "enketoEditRateLimit", "409.15": "entityVersionConflict", "409.16": "datasetNameConflict",
    "409.17": "propertyNameConflict", "409.18": "duplicateSubmission",
    "409.19": "entityUniquenessViolationWithDeleted", "409.21": "formDependentOnTheDataset",
    "409.22": "deletePropPrereqViolation", "409.23": "datasetMissingForFormRestore", "500.1": "unknown",
    "500.2": "missingSystemRow", "500.3": "emptyResponse", "500.4": "enketoUnexpectedResponse",
    "500.5": "analyticsUnexpectedResponse", "500.6": "fieldTypesNotDefined", "501.1": "notImplemented",
    "501.2": "unexpectedFormsList", "501.3": "xlsformNotConfigured", "501.4": "unsupportedODataExpression",
    "501.5": "unsupportedODataField", "501.6": "unsupportedODataExpandExpression", "501.7": "invalidDatabaseConfig",
    "501.8": "enketoNotConfigured", "501.9": "analyticsNotConfigured", "501.11": "unsupportedODataSelectExpand",
    "502.1": "timeout", "502.2": "xlsformNotAvailable", "502.3": "enketoNotAvailable",
}
ENTRIES = sorted(errors.CATALOGUE.items())


def test_the_catalogue_is_collected_and_its_codes_are_unique():
    assert len(ENTRIES) > 40 and "xml_conflict" in errors.CATALOGUE
    codes = [entry.declared for _, entry in ENTRIES]
    assert len(codes) == len(set(codes)), sorted(code for code in codes if codes.count(code) > 1)


@pytest.mark.parametrize("name, entry", ENTRIES)
def test_the_code_goes_on_the_wire_exactly_as_declared(name, entry):
    assert errors.wire_code(entry) == entry.declared  # "409.50" would go out as 409.5
    assert json.loads(json.dumps({"code": entry.code}))["code"] == entry.code
    assert entry.code > 400 and str(errors.AppError(entry.code, "").status) == entry.declared.split(".")[0]


@pytest.mark.parametrize("name, entry", ENTRIES)
def test_a_code_of_centrals_means_what_it_means_in_central(name, entry):
    assert CENTRAL.get(entry.declared) == entry.central, (
        f"{name} ({entry.declared}) is Central's {CENTRAL[entry.declared]}" if entry.declared in CENTRAL
        else f"{name} ({entry.declared}) is ours: it may not claim Central's {entry.central}")


def test_the_codes_of_the_json_body_are_the_declared_ones():
    body = errors.form_closed(xmlFormId="ho").to_dict()
    assert json.dumps(body["code"]) == "409.52" and body["details"] == {"xmlFormId": "ho"}
