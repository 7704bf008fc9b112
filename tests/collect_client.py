"""A client that talks to the server exactly as ODK Collect does on the wire (odk-protocol.md §1).

What it reproduces (collect: open-rosa/.../okhttp/OkHttpConnection.java, .../http/SubmissionChunker.kt,
collect_app/.../OpenRosaServerInstanceUploader.kt):

- every request carries `X-OpenRosa-Version: 1.0`, Collect's `User-Agent` and a `Date` in Collect's
  format (12-hour clock, GMT);
- the server URL is the one a QR code would configure (`…/v1/key/{token}/projects/{p}` for an app user,
  or `…/v1/projects/{p}` with extra headers, e.g. `Authorization: Bearer …`, which Collect itself cannot
  send but tests may); Collect appends `/formList` and `/submission`, and `?deviceID=` to the latter;
- formList and manifest must answer with an X-OpenRosa-Version header and a text/xml content type;
- before uploading, HEAD on the submission URL must be 204; its X-OpenRosa-Accept-Content-Length
  (default 10,000,000) sets the split size;
- a submission is one or more multipart POSTs: part `xml_submission_file` (text/xml, file name = the
  instance file's name), then one part per file whose field name and file name are the file's name; a
  new POST starts when the next file would go past the accept length (the XML counts in every POST) or
  after more than 100 files, and every non-final POST carries the form field `*isIncomplete*` = `yes`;
- only 201 and 202 are success; the upload stops at the first other answer (200 is a captive portal
  to Collect, 204 to a POST is an error).

No retries here: a caller that gets an exception resends the whole submission later, as Collect does.
"""

import hashlib
import mimetypes
import time
from dataclasses import dataclass
from urllib.parse import urlencode
from xml.etree import ElementTree

import requests

COLLECT_USER_AGENT = ("Dalvik/2.1.0 (Linux; U; Android 13; Pixel 6 Build/TQ3A.230805.001) "
                      "org.odk.collect.android/v2024.3.5")
DEFAULT_ACCEPT_LENGTH = 10_000_000  # what Collect assumes when the HEAD answer has no accept length
MAX_FILES_PER_POST = 100
FORM_LIST_NS = "{http://openrosa.org/xforms/xformsList}"
MANIFEST_NS = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE_NS = "{http://openrosa.org/http/response}"


class CollectError(Exception):
    """The server answered something Collect would not accept; .status and .body say what."""

    def __init__(self, message, status=None, body=""):
        super().__init__(f"{message} (HTTP {status}): {body[:500]}" if status is not None else message)
        self.status, self.body = status, body


@dataclass(frozen=True)
class FormListEntry:
    form_id: str
    name: str
    version: str
    hash: str
    download_url: str
    manifest_url: str | None


@dataclass(frozen=True)
class Chunk:
    """Files [start, end) of the submission's file list, sent in one POST; incomplete = more POSTs follow."""
    start: int
    end: int
    incomplete: bool


def collect_date(now=None):
    """Collect's `Date` header: `E, dd MMM yyyy hh:mm:ss zz` in GMT (hh is the 12-hour clock)."""
    return time.strftime("%a, %d %b %Y %I:%M:%S GMT", time.gmtime(now))


def chunk_files(xml_length, file_lengths, accept_length):
    """Split a submission into POSTs the way Collect does (a pure function of the sizes, in order).

    Sizes count file bytes only (the XML in every POST, not the multipart framing). A POST is closed
    after adding file i when i is not the last file and either the POST already holds more than 100
    files or adding file i+1 would go past the accept length. A submission without files is one POST.
    """
    chunks, index, first = [], 0, True
    while index < len(file_lengths) or first:
        first, start, incomplete, size = False, index, False, xml_length
        while index < len(file_lengths):
            size += file_lengths[index]
            if index + 1 < len(file_lengths) and (index - start + 1 > MAX_FILES_PER_POST
                                                  or size + file_lengths[index + 1] > accept_length):
                incomplete = True
                index += 1
                break
            index += 1
        chunks.append(Chunk(start, index, incomplete))
    return chunks


def content_type_of(name):
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def response_message(body):
    """The <message> of an OpenRosaResponse (what Collect shows the volunteer), or None."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    message = root.find(f"{RESPONSE_NS}message")
    return message.text if message is not None else None


class CollectClient:
    """One device: a keep-alive HTTP connection pool and a server URL.

    `base_url` is the project's server URL as Collect is configured with it, e.g.
    http://127.0.0.1:8383/v1/key/{token}/projects/1 or http://127.0.0.1:8383/v1/projects/1;
    `headers` are added to every request (e.g. {"Authorization": "Bearer …"}).
    """

    def __init__(self, base_url, headers=None, device_id="collect:chaos0000000000", timeout=60,
                 user_agent=COLLECT_USER_AGENT):
        self.base_url = base_url.rstrip("/")
        self.extra_headers = dict(headers or {})
        self.device_id = device_id
        self.timeout = timeout
        self.user_agent = user_agent
        self.accept_length = None
        self.session = requests.Session()

    # -- plumbing -------------------------------------------------------------------------------

    def headers(self):
        return {"X-OpenRosa-Version": "1.0", "User-Agent": self.user_agent, "Date": collect_date(),
                **self.extra_headers}

    def reset(self):
        """Drop pooled connections (after a network failure, okhttp opens a new connection too)."""
        self.session.close()
        self.session = requests.Session()

    def close(self):
        self.session.close()

    def submission_url(self, device_id=None):
        return f"{self.base_url}/submission?{urlencode({'deviceID': device_id or self.device_id})}"

    def get_openrosa_xml(self, url):
        """GET a formList or manifest; Collect refuses a response without X-OpenRosa-Version or not text/xml."""
        response = self.session.get(url, headers=self.headers(), timeout=self.timeout)
        if response.status_code != 200:
            raise CollectError(f"GET {url} failed", response.status_code, response.text)
        if "X-OpenRosa-Version" not in response.headers:
            raise CollectError(f"{url} is not an OpenRosa server (no X-OpenRosa-Version header)")
        content_type = response.headers.get("Content-Type")
        if content_type is not None and "text/xml" not in content_type.lower():
            raise CollectError(f"ContentType: {content_type} returned from {url} is not text/xml")
        return response.content

    # -- forms ----------------------------------------------------------------------------------

    def form_list(self):
        """The forms this device may download: [FormListEntry]."""
        root = ElementTree.fromstring(self.get_openrosa_xml(f"{self.base_url}/formList"))
        entries = []
        for xform in root.findall(f"{FORM_LIST_NS}xform"):
            def text(name, element=xform):
                found = element.find(f"{FORM_LIST_NS}{name}")
                return (found.text or "") if found is not None else None
            entries.append(FormListEntry(text("formID"), text("name"), text("version") or "", text("hash"),
                                         text("downloadUrl"), text("manifestUrl")))
        return entries

    def download_form(self, url, expected_hash=None):
        """The form XML at a formList downloadUrl (no content-type check, as Collect); checks md5 if given."""
        response = self.session.get(url, headers=self.headers(), timeout=self.timeout)
        if response.status_code != 200:
            raise CollectError(f"GET {url} failed", response.status_code, response.text)
        if expected_hash is not None and expected_hash != "md5:" + hashlib.md5(response.content).hexdigest():
            raise CollectError(f"the form at {url} does not match the formList hash {expected_hash}")
        return response.content

    def manifest(self, url):
        """[(filename, hash, downloadUrl)] of a manifest."""
        root = ElementTree.fromstring(self.get_openrosa_xml(url))
        return [(item.findtext(f"{MANIFEST_NS}filename"), item.findtext(f"{MANIFEST_NS}hash"),
                 item.findtext(f"{MANIFEST_NS}downloadUrl")) for item in root.findall(f"{MANIFEST_NS}mediaFile")]

    # -- submissions ----------------------------------------------------------------------------

    def head_submission(self, device_id=None):
        """HEAD the submission URL; must be 204. Returns (and remembers) the accept length."""
        response = self.session.head(self.submission_url(device_id), headers=self.headers(), timeout=self.timeout,
                                     allow_redirects=False)
        if response.status_code != 204:
            raise CollectError("HEAD on the submission URL is not 204 (is this an OpenRosa submission endpoint?)",
                               response.status_code, response.text)
        self.accept_length = int(response.headers.get("X-OpenRosa-Accept-Content-Length") or DEFAULT_ACCEPT_LENGTH)
        return self.accept_length

    def submit(self, xml: bytes, files=None, device_id=None, instance_file="instance.xml"):
        """Upload one finalized instance and its files (name → bytes) as Collect does; return the responses.

        :raise CollectError: any answer but 201/202 (the upload stops there, as in Collect);
        :raise requests.RequestException: the network failed (the caller resends everything later).
        """
        if self.accept_length is None:
            self.head_submission(device_id)
        files = list((files or {}).items())
        url = self.submission_url(device_id)
        responses = []
        for chunk in chunk_files(len(xml), [len(content) for _, content in files], self.accept_length):
            parts = [("xml_submission_file", (instance_file, xml, "text/xml"))]
            parts += [(name, (name, content, content_type_of(name))) for name, content in files[chunk.start:chunk.end]]
            if chunk.incomplete:
                parts.append(("*isIncomplete*", (None, "yes")))
            response = self.session.post(url, files=parts, headers=self.headers(), timeout=self.timeout)
            responses.append(response)
            if response.status_code == 204:
                raise CollectError("the server answered 204 to a submission POST", 204)
            if response.status_code not in (201, 202):
                raise CollectError(response_message(response.content) or "submission refused",
                                   response.status_code, response.text)
        return responses
