#!/usr/bin/env python3
"""Conformance of google-emulator's Gmail API with Google's own Python client.

Drives a running emulator, seeded with `mailbox.mbox` beside this file and started with
`--auto-approve --print-config`, through google-api-python-client (the static gmail v1
discovery document, `api_endpoint` = the emulator's HTTPS listener), google-auth and
google-auth-oauthlib (a PKCE code flow against the emulator's OAuth endpoints, then a refresh
grant). Every check runs, in order; the script prints one line per check and exits 1 listing
every failed check by name (2 when it cannot even sign in).

    google-emulator --mailbox conformance/mailbox.mbox --auto-approve --print-config > emu.toml
    python gmail_client.py --config emu.toml

`cargo xtask test` runs it through crates/google-emulator/tests/python_client.rs, with the
pinned packages of requirements.txt in a venv xtask makes.
"""

import argparse
import base64
import http.client
import io
import json
import ssl
import sys
import tempfile
import time
import tomllib
import traceback
import urllib.parse

import google_auth_httplib2
import httplib2
import requests
from google.auth.transport.requests import Request
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest, MediaIoBaseUpload

SCOPES = ["https://mail.google.com/"]
REDIRECT = "http://127.0.0.1:49152/callback"
ACCOUNT = "user@example.com"
# The fixture: subjects of mailbox.mbox, oldest first.
BUDGET, BUDGET_REPLY, LUNCH, TRAVEL, DEALS, PHOTOS = (
    "Quarterly budget",
    "Re: Quarterly budget",
    "Lunch on Friday?",
    "Travel plans",
    "Weekly deals",
    "Photos from the trip",
)
ALL_SUBJECTS = {BUDGET, BUDGET_REPLY, LUNCH, TRAVEL, DEALS, PHOTOS}
RETRIES = 5  # the client's own backoff, for the emulator's per-user quota (429)


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def expect_eq(actual, wanted, what):
    if actual != wanted:
        raise CheckFailed(f"{what}: got {actual!r}, wanted {wanted!r}")


class Emulator:
    """The emulator as the checks see it: config, credentials, a client, the fixture's ids."""

    def __init__(self, config_path):
        with open(config_path, "rb") as f:
            self.config = tomllib.load(f)
        ca = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)
        ca.write(self.config["tls"]["extra_ca_pem"])
        ca.close()
        self.ca_path = ca.name
        api = urllib.parse.urlsplit(self.config["gmail"]["api_url"])
        self.base = f"{api.scheme}://{api.netloc}"
        self.host, self.port = api.hostname, api.port
        self.credentials = None
        self.service = None
        self.ids = {}

    def sign_in(self):
        oauth = self.config["oauth"]
        # oauthlib refuses a plain-HTTP authorize URL; the emulator serves the same page on
        # its HTTPS listener.
        auth_uri = self.base + urllib.parse.urlsplit(oauth["auth_url"]).path
        flow = Flow.from_client_config(
            {
                "installed": {
                    "client_id": oauth["client_id"],
                    "client_secret": oauth["client_secret"],
                    "auth_uri": auth_uri,
                    "token_uri": oauth["token_url"],
                    "redirect_uris": [REDIRECT],
                }
            },
            scopes=SCOPES,
            redirect_uri=REDIRECT,
        )
        url, state = flow.authorization_url(access_type="offline", prompt="consent")
        # The emulator auto-approves: the browser's redirect carries the code.
        answer = requests.get(url, allow_redirects=False, timeout=30, verify=self.ca_path)
        expect_eq(answer.status_code, 302, "authorize status")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.headers["Location"]).query)
        expect_eq(query["state"][0], state, "state echoed")
        flow.fetch_token(code=query["code"][0], verify=self.ca_path)
        expect(flow.credentials.refresh_token, "the code exchange returned no refresh token")
        # google-auth's refresh grant: what a long-running client does with the refresh token.
        credentials = Credentials(
            token=None,
            refresh_token=flow.credentials.refresh_token,
            token_uri=oauth["token_url"],
            client_id=oauth["client_id"],
            client_secret=oauth["client_secret"],
            scopes=SCOPES,
        )
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE would override `verify`
        session.verify = self.ca_path
        credentials.refresh(Request(session))
        expect(credentials.valid and credentials.token, "refresh gave no access token")
        self.credentials = credentials
        self.service = self.new_service()

    def authorized_http(self):
        return google_auth_httplib2.AuthorizedHttp(
            self.credentials, http=httplib2.Http(ca_certs=self.ca_path, timeout=30)
        )

    def new_service(self):
        return build(
            "gmail",
            "v1",
            http=self.authorized_http(),
            static_discovery=True,
            client_options={"api_endpoint": self.base + "/"},
        )

    def users(self):
        return self.service.users()

    def list_all(self, **kwargs):
        """Every message id messages.list returns for kwargs, following pages."""
        messages = self.users().messages()
        request = messages.list(userId="me", **kwargs)
        ids = []
        while request is not None:
            page = request.execute(num_retries=RETRIES)
            ids += [m["id"] for m in page.get("messages", [])]
            request = messages.list_next(request, page)
        return ids

    def subjects(self, q, **kwargs):
        """The subjects of the messages `q` selects."""
        found = set()
        for message_id in self.list_all(q=q, **kwargs):
            found.add(self.subject_of(message_id))
        return found

    def subject_of(self, message_id):
        for subject, known in self.ids.items():
            if known == message_id:
                return subject
        message = self.get(message_id, format="metadata", metadataHeaders=["Subject"])
        return header(message["payload"], "Subject")

    def get(self, message_id, **kwargs):
        return self.users().messages().get(userId="me", id=message_id, **kwargs).execute(
            num_retries=RETRIES
        )

    def run_batch(self, add_calls):
        """Builds a batch with `add_calls(batch)` and executes it; a batch in which a call met
        the per-user quota (429, or 403 rateLimitExceeded) is sent again after a second, as
        a client would, so the checks see the calls' own answers."""
        for attempt in range(RETRIES):
            batch = BatchHttpRequest(batch_uri=self.base + "/batch/gmail/v1")
            limited = []
            add_calls(batch, limited)
            batch.execute()
            if not limited:
                return
            time.sleep(1 + attempt)
        raise CheckFailed("every attempt of the batch met the quota")

    def ssl_context(self):
        return ssl.create_default_context(cafile=self.ca_path)


def header(payload, name):
    for h in payload.get("headers", []):
        if h["name"].lower() == name.lower():
            return h["value"]
    return None


def b64url(data):
    return base64.urlsafe_b64encode(data).decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def rfc822(subject, to="bob@example.net", extra=""):
    return (
        f"From: User <{ACCOUNT}>\r\nTo: {to}\r\nSubject: {subject}\r\n{extra}"
        f"Message-ID: <{subject.lower().replace(' ', '-').replace(':', '')}@example.com>\r\n"
        f"\r\nSent by the conformance suite.\r\n"
    ).encode()


def rate_limited(exception):
    """Whether a batch call's error is the quota's (the call is worth repeating)."""
    if not isinstance(exception, HttpError):
        return False
    return exception.resp.status == 429 or (
        exception.resp.status == 403 and b"ateLimitExceeded" in exception.content
    )


def expect_google_error(error, code, status, reason=None):
    """`error` is an HttpError whose body is Google's envelope."""
    expect_eq(error.resp.status, code, "HTTP status")
    content_type = error.resp.get("content-type", "")
    expect(content_type.startswith("application/json"), f"content-type {content_type!r}")
    body = json.loads(error.content)
    envelope = body.get("error")
    expect(isinstance(envelope, dict), f"no error object in {body}")
    expect_eq(envelope.get("code"), code, "error.code")
    expect_eq(envelope.get("status"), status, "error.status")
    expect(isinstance(envelope.get("message"), str) and envelope["message"], "error.message")
    errors = envelope.get("errors")
    expect(isinstance(errors, list) and errors, f"error.errors in {body}")
    for item in errors:
        expect({"message", "domain", "reason"} <= set(item), f"errors[] item {item}")
    if reason:
        expect_eq(errors[0]["reason"], reason, "errors[0].reason")


def expect_http_error(request, code, status, reason=None):
    try:
        request.execute()
    except HttpError as error:
        expect_google_error(error, code, status, reason)
        return
    raise CheckFailed(f"expected HTTP {code}, got success")


# ---------------------------------------------------------------------------------------
# The checks, in the order they run. Each takes the Emulator and raises on failure.

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


@check
def profile(emu):
    p = emu.users().getProfile(userId="me").execute(num_retries=RETRIES)
    expect_eq(p["emailAddress"], ACCOUNT, "emailAddress")
    expect_eq(p["messagesTotal"], 6, "messagesTotal")
    expect_eq(p["threadsTotal"], 5, "threadsTotal")
    expect(isinstance(p["historyId"], str) and p["historyId"].isdigit(), "historyId string")


@check
def labels_list(emu):
    labels = emu.users().labels().list(userId="me").execute(num_retries=RETRIES)["labels"]
    by_id = {label["id"]: label for label in labels}
    for system in ["INBOX", "SENT", "TRASH", "SPAM", "UNREAD", "STARRED"]:
        expect(system in by_id, f"{system} listed")
        expect_eq(by_id[system]["type"], "system", f"{system} type")


@check
def messages_list_pages(emu):
    ids = emu.list_all(maxResults=2)
    expect_eq(len(ids), 6, "messages over pages of 2")
    expect_eq(len(set(ids)), 6, "each message once")
    for message_id in ids:
        subject = header(
            emu.get(message_id, format="metadata", metadataHeaders=["Subject"])["payload"],
            "Subject",
        )
        emu.ids[subject] = message_id
    expect_eq(set(emu.ids), ALL_SUBJECTS, "the fixture's subjects")
    expect_eq(ids[0], emu.ids[PHOTOS], "newest first")


@check
def messages_get_full(emu):
    m = emu.get(emu.ids[BUDGET])
    payload = m["payload"]
    expect_eq(payload["mimeType"], "multipart/mixed", "mimeType")
    expect_eq(header(payload, "Subject"), BUDGET, "Subject header")
    text, attachment = payload["parts"]
    expect_eq(text["mimeType"], "text/plain", "first part")
    expect(b"quarterly budget" in unb64url(text["body"]["data"]), "text body data")
    expect_eq(attachment["filename"], "budget.csv", "attachment filename")
    expect("attachmentId" in attachment["body"], "attachmentId")
    expect(isinstance(m["internalDate"], str) and isinstance(m["historyId"], str), "int64 strings")


@check
def messages_get_metadata(emu):
    m = emu.get(emu.ids[BUDGET_REPLY], format="metadata", metadataHeaders=["From", "Cc"])
    names = sorted(h["name"] for h in m["payload"]["headers"])
    expect_eq(names, ["Cc", "From"], "only the asked headers")
    expect("parts" not in m["payload"], "no parts in metadata")


@check
def messages_get_minimal(emu):
    m = emu.get(emu.ids[LUNCH], format="minimal")
    expect("payload" not in m and "raw" not in m, f"minimal has no payload/raw: {sorted(m)}")
    expect_eq(m["id"], emu.ids[LUNCH], "id")
    expect("INBOX" in m["labelIds"], "labelIds")


@check
def messages_get_raw(emu):
    m = emu.get(emu.ids[TRAVEL], format="raw")
    raw = unb64url(m["raw"])
    expect(b"Message-ID: <travel@example.com>" in raw, "raw holds the message")
    expect("SENT" in m["labelIds"], "the account's own mail is SENT")


@check
def attachments_get(emu):
    message_id = emu.ids[BUDGET]
    part = emu.get(message_id)["payload"]["parts"][1]
    body = (
        emu.users()
        .messages()
        .attachments()
        .get(userId="me", messageId=message_id, id=part["body"]["attachmentId"])
        .execute(num_retries=RETRIES)
    )
    expect_eq(unb64url(body["data"]), b"item,amount\nrent,1200\nfood,300\n", "attachment bytes")


@check
def messages_modify(emu):
    m = (
        emu.users()
        .messages()
        .modify(
            userId="me",
            id=emu.ids[BUDGET_REPLY],
            body={"addLabelIds": ["STARRED"], "removeLabelIds": ["UNREAD"]},
        )
        .execute(num_retries=RETRIES)
    )
    expect("STARRED" in m["labelIds"] and "UNREAD" not in m["labelIds"], f"labels {m}")


@check
def history_list(emu):
    start = emu.users().getProfile(userId="me").execute(num_retries=RETRIES)["historyId"]
    emu.users().messages().modify(
        userId="me", id=emu.ids[DEALS], body={"addLabelIds": ["IMPORTANT"]}
    ).execute(num_retries=RETRIES)
    h = emu.users().history().list(userId="me", startHistoryId=start).execute(num_retries=RETRIES)
    added = [a for r in h.get("history", []) for a in r.get("labelsAdded", [])]
    expect_eq(len(added), 1, "one labelsAdded record")
    expect_eq(added[0]["message"]["id"], emu.ids[DEALS], "the modified message")
    expect_eq(added[0]["labelIds"], ["IMPORTANT"], "the added label")
    expect(int(h["historyId"]) > int(start), "historyId moved")


@check
def trash_untrash(emu):
    message_id = emu.ids[DEALS]
    trashed = emu.users().messages().trash(userId="me", id=message_id).execute(num_retries=RETRIES)
    expect("TRASH" in trashed["labelIds"], "trash adds TRASH")
    expect(message_id not in emu.list_all(), "trashed mail leaves the default list")
    expect(message_id in emu.list_all(includeSpamTrash=True), "includeSpamTrash shows it")
    back = emu.users().messages().untrash(userId="me", id=message_id).execute(num_retries=RETRIES)
    expect("TRASH" not in back["labelIds"], "untrash removes TRASH")
    expect(message_id in emu.list_all(), "back in the default list")


@check
def threads_list(emu):
    threads = emu.users().threads()
    request = threads.list(userId="me", maxResults=2)
    listed = []
    while request is not None:
        page = request.execute(num_retries=RETRIES)
        listed += page.get("threads", [])
        request = threads.list_next(request, page)
    ids = [t["id"] for t in listed]
    expect_eq(len(ids), 5, "threads over pages of 2")
    expect_eq(len(set(ids)), 5, "each thread once")
    thread_ids = {emu.get(i, format="minimal")["threadId"] for i in emu.ids.values()}
    expect_eq(set(ids), thread_ids, "thread ids are the messages' threadIds")
    for t in listed:
        expect(isinstance(t["historyId"], str) and "snippet" in t, f"thread item {t}")


@check
def threads_get(emu):
    thread_id = emu.get(emu.ids[BUDGET_REPLY], format="minimal")["threadId"]
    t = emu.users().threads().get(userId="me", id=thread_id).execute(num_retries=RETRIES)
    expect_eq(t["id"], thread_id, "id")
    expect_eq(
        [m["id"] for m in t["messages"]],
        [emu.ids[BUDGET], emu.ids[BUDGET_REPLY]],
        "the thread's messages, oldest first",
    )
    expect(all(m["threadId"] == thread_id for m in t["messages"]), "messages' threadId")
    expect(all("payload" in m for m in t["messages"]), "format full by default")


@check
def threads_get_metadata(emu):
    thread_id = emu.get(emu.ids[BUDGET], format="minimal")["threadId"]
    t = (
        emu.users()
        .threads()
        .get(userId="me", id=thread_id, format="metadata", metadataHeaders=["Subject"])
        .execute(num_retries=RETRIES)
    )
    subjects = [header(m["payload"], "Subject") for m in t["messages"]]
    expect_eq(subjects, [BUDGET, BUDGET_REPLY], "subjects")
    expect(all(len(m["payload"]["headers"]) == 1 for m in t["messages"]), "only Subject")


@check
def threads_list_q(emu):
    page = emu.users().threads().list(userId="me", q="budget").execute(num_retries=RETRIES)
    thread_id = emu.get(emu.ids[BUDGET], format="minimal")["threadId"]
    expect_eq([t["id"] for t in page.get("threads", [])], [thread_id], "q=budget threads")


@check
def fields_list(emu):
    page = (
        emu.users()
        .messages()
        .list(userId="me", maxResults=2, fields="messages/id,nextPageToken")
        .execute(num_retries=RETRIES)
    )
    expect_eq(sorted(page), ["messages", "nextPageToken"], "top-level fields")
    expect(all(sorted(m) == ["id"] for m in page["messages"]), f"messages/id only: {page}")


@check
def fields_nested(emu):
    m = (
        emu.users()
        .messages()
        .get(userId="me", id=emu.ids[BUDGET], fields="id,payload(mimeType,parts/filename)")
        .execute(num_retries=RETRIES)
    )
    expect_eq(
        m,
        {
            "id": emu.ids[BUDGET],
            "payload": {
                "mimeType": "multipart/mixed",
                "parts": [{"filename": ""}, {"filename": "budget.csv"}],
            },
        },
        "partial message",
    )


def q_check(name, q, wanted, **kwargs):
    def run(emu):
        expect_eq(emu.subjects(q, **kwargs), set(wanted), f"q={q!r}")

    run.__name__ = name
    check(run)


q_check("q_free_words", "ramen", [LUNCH])
q_check("q_phrase", '"garden furniture"', [DEALS])
q_check("q_from", "from:alice@example.org", [BUDGET])
q_check("q_from_name", "from:builder", [BUDGET_REPLY])
q_check("q_to", "to:carol@example.com", [BUDGET_REPLY])
q_check("q_subject", "subject:budget", [BUDGET, BUDGET_REPLY])
q_check("q_label_in", "in:sent", [TRAVEL])
q_check("q_label_starred", "label:starred", [BUDGET_REPLY])
q_check("q_is_unread", "is:unread", [BUDGET, LUNCH, DEALS, PHOTOS])
q_check("q_is_read", "is:read", [BUDGET_REPLY, TRAVEL])
q_check("q_has_attachment", "has:attachment", [BUDGET, PHOTOS])
q_check("q_after_before", "after:2024/01/02 before:2024/01/15", [BUDGET_REPLY, LUNCH, TRAVEL])
q_check("q_older_than", "older_than:1d", ALL_SUBJECTS)
q_check("q_negation", "has:attachment -from:dave", [BUDGET])
q_check("q_or", "from:carol OR from:dave", [LUNCH, PHOTOS])


@check
def batch_gets(emu):
    order = [BUDGET, LUNCH, PHOTOS]
    seen = []

    def calls(batch, limited):
        seen.clear()

        def callback(request_id, response, exception):
            if rate_limited(exception):
                limited.append(request_id)
            seen.append((request_id, response["id"] if response else None, exception))

        for subject in order:
            batch.add(
                emu.users().messages().get(userId="me", id=emu.ids[subject], format="minimal"),
                callback=callback,
                request_id=subject,
            )

    emu.run_batch(calls)
    expect_eq(
        seen,
        [(subject, emu.ids[subject], None) for subject in order],
        "each get answered, in order",
    )


@check
def batch_modifies(emu):
    errors = []

    def calls(batch, limited):
        errors.clear()

        def callback(request_id, response, exception):
            if rate_limited(exception):
                limited.append(request_id)
            elif exception:
                errors.append(exception)

        for subject in [LUNCH, PHOTOS]:
            batch.add(
                emu.users()
                .messages()
                .modify(userId="me", id=emu.ids[subject], body={"addLabelIds": ["IMPORTANT"]}),
                callback=callback,
            )

    emu.run_batch(calls)
    expect_eq(errors, [], "errors")
    for subject in [LUNCH, PHOTOS]:
        labels = emu.get(emu.ids[subject], format="minimal")["labelIds"]
        expect("IMPORTANT" in labels, f"{subject} modified through the batch")


@check
def batch_part_error(emu):
    results = {}

    def calls(batch, limited):
        results.clear()

        def callback(request_id, response, exception):
            if rate_limited(exception):
                limited.append(request_id)
            results[request_id] = (response, exception)

        batch.add(
            emu.users().messages().get(userId="me", id="ffffffffffffffff"),
            callback=callback,
            request_id="missing",
        )
        batch.add(emu.users().getProfile(userId="me"), callback=callback, request_id="profile")

    emu.run_batch(calls)
    results["missing"] = results["missing"][1]
    expect(isinstance(results.get("missing"), HttpError), f"missing: {results.get('missing')!r}")
    expect_google_error(results["missing"], 404, "NOT_FOUND", "notFound")
    profile_result, profile_error = results["profile"]
    expect(profile_error is None, f"profile error {profile_error!r}")
    expect_eq(profile_result["emailAddress"], ACCOUNT, "profile in the batch")


@check
def error_missing_message(emu):
    expect_http_error(
        emu.users().messages().get(userId="me", id="ffffffffffffffff"), 404, "NOT_FOUND", "notFound"
    )


@check
def error_unimplemented_method(emu):
    expect_http_error(emu.users().drafts().list(userId="me"), 501, "UNIMPLEMENTED")


@check
def error_unimplemented_upload(emu):
    media = MediaIoBaseUpload(io.BytesIO(rfc822("Inserted")), mimetype="message/rfc822")
    expect_http_error(
        emu.users().messages().insert(userId="me", media_body=media), 501, "UNIMPLEMENTED"
    )


@check
def error_unknown_paths(emu):
    http = emu.authorized_http()
    for method, path in [
        ("GET", "/gmail/v1/users/me/nosuch"),
        ("GET", "/gmail/v1/nosuch"),
        ("POST", "/upload/gmail/v1/users/me/nosuch"),
        ("GET", "/batch/gmail/v2"),
    ]:
        response, content = http.request(emu.base + path, method, body=b"x" if method == "POST" else None)
        expect_eq(response.status, 404, f"{method} {path}")
        expect_google_error(HttpError(response, content), 404, "NOT_FOUND")


@check
def connection_reuse_after_error(emu):
    """A POST answered 404 before its body is looked at must leave the connection usable."""
    conn = http.client.HTTPSConnection(emu.host, emu.port, context=emu.ssl_context(), timeout=30)
    auth = {"Authorization": f"Bearer {emu.credentials.token}"}
    body = b"x" * 200_000
    conn.request(
        "POST",
        "/upload/gmail/v1/users/me/nosuch?uploadType=media",
        body=body,
        headers={**auth, "Content-Type": "message/rfc822"},
    )
    first = conn.getresponse()
    first.read()
    expect_eq(first.status, 404, "the POST's status")
    closing = (first.getheader("Connection") or "").lower() == "close"
    expect(not closing, "the emulator closed the connection after a 404")
    sock = conn.sock
    conn.request("GET", "/gmail/v1/users/me/profile", headers=auth)
    second = conn.getresponse()
    payload = json.loads(second.read())
    expect_eq(second.status, 200, "the next request on the same connection")
    expect(conn.sock is sock, "the same connection was reused")
    expect_eq(payload["emailAddress"], ACCOUNT, "profile")
    conn.close()
    # And through the client library: a failed modify, then a call on the same Http.
    service = emu.new_service()
    try:
        service.users().messages().modify(
            userId="me", id="ffffffffffffffff", body={"addLabelIds": ["STARRED"]}
        ).execute()
    except HttpError as error:
        expect_eq(error.resp.status, 404, "modify of a missing message")
    service.users().getProfile(userId="me").execute()


@check
def send_json_raw(emu):
    sent = (
        emu.users()
        .messages()
        .send(userId="me", body={"raw": b64url(rfc822("Conformance JSON"))})
        .execute(num_retries=RETRIES)
    )
    expect_eq(sent["labelIds"], ["SENT"], "labelIds")
    m = emu.get(sent["id"], format="raw")
    expect(b"Subject: Conformance JSON" in unb64url(m["raw"]), "stored as sent")
    emu.ids["Conformance JSON"] = sent["id"]


@check
def send_json_reply_in_thread(emu):
    parent = emu.get(emu.ids[LUNCH], format="minimal")
    raw = rfc822(
        "Re: Lunch on Friday?",
        to="carol@example.com",
        extra="In-Reply-To: <lunch@example.com>\r\nReferences: <lunch@example.com>\r\n",
    )
    sent = (
        emu.users()
        .messages()
        .send(userId="me", body={"raw": b64url(raw), "threadId": parent["threadId"]})
        .execute(num_retries=RETRIES)
    )
    expect_eq(sent["threadId"], parent["threadId"], "the reply joined the thread")


@check
def send_media_upload(emu):
    media = MediaIoBaseUpload(io.BytesIO(rfc822("Conformance media")), mimetype="message/rfc822")
    sent = emu.users().messages().send(userId="me", media_body=media).execute(num_retries=RETRIES)
    expect_eq(sent["labelIds"], ["SENT"], "labelIds")
    raw = unb64url(emu.get(sent["id"], format="raw")["raw"])
    expect_eq(raw, rfc822("Conformance media"), "the uploaded bytes, exactly")


@check
def send_multipart_upload(emu):
    parent = emu.get(emu.ids[TRAVEL], format="minimal")
    raw = rfc822(
        "Re: Travel plans",
        to="alice@example.org",
        extra="In-Reply-To: <travel@example.com>\r\n",
    )
    media = MediaIoBaseUpload(io.BytesIO(raw), mimetype="message/rfc822")
    sent = (
        emu.users()
        .messages()
        .send(userId="me", body={"threadId": parent["threadId"]}, media_body=media)
        .execute(num_retries=RETRIES)
    )
    expect_eq(sent["threadId"], parent["threadId"], "metadata's threadId honoured")
    expect_eq(unb64url(emu.get(sent["id"], format="raw")["raw"]), raw, "the uploaded bytes")


q_check("q_newer_than", "newer_than:1d", ["Conformance JSON", "Re: Lunch on Friday?",
                                          "Conformance media", "Re: Travel plans"])


@check
def delete_message(emu):
    message_id = emu.ids[DEALS]
    emu.users().messages().delete(userId="me", id=message_id).execute(num_retries=RETRIES)
    expect_http_error(emu.users().messages().get(userId="me", id=message_id), 404, "NOT_FOUND")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="the emulator's --print-config TOML")
    parser.add_argument("--only", action="append", help="run only these checks (repeatable)")
    args = parser.parse_args()
    emu = Emulator(args.config)
    try:
        emu.sign_in()
    except Exception:  # noqa: BLE001 - report whatever broke the sign-in
        traceback.print_exc()
        print("FAIL oauth_sign_in: could not obtain credentials; no check ran")
        return 2
    print("ok   oauth_sign_in (PKCE code flow, then a refresh grant)")
    failed = []
    checks = [c for c in CHECKS if not args.only or c.__name__ in args.only]
    for fn in checks:
        started = time.monotonic()
        try:
            fn(emu)
        except Exception as error:  # noqa: BLE001 - every failure is reported by name
            failed.append(fn.__name__)
            if isinstance(error, CheckFailed):
                detail = str(error)
            else:
                where = traceback.extract_tb(error.__traceback__)[-1]
                what = "".join(traceback.format_exception_only(error)).strip()
                detail = f"{what} (at {where.name}:{where.lineno})"
            print(f"FAIL {fn.__name__}: {detail}")
        else:
            print(f"ok   {fn.__name__} ({time.monotonic() - started:.2f}s)")
    print(f"{len(checks) - len(failed)} of {len(checks)} checks passed")
    if failed:
        print("failed checks: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
