#!/usr/bin/env python3
"""Generate SigV4 test fixtures for cirrus-server's verifier (src/sigv4.rs).

botocore is the independent signer. Each fixture is a request exactly as a
client would put it on the wire (method, raw path, raw query, header list in
order, body) signed with fixed credentials at a fixed time, plus what the
verifier must answer. botocore's own canonical request and string to sign are
recorded too, so a failing Rust test can show the first differing line.

Three kinds of requests:
  * boto3 client calls (cognito-idp, endpoint http://localhost:9229), captured
    at botocore's `before-send` event, i.e. after signing, nothing sent;
  * hand-built `AWSRequest`s signed with `SigV4Auth` / `S3SigV4Auth`, for the
    cases a Cognito client does not produce (query strings, odd paths,
    repeated headers, a `Date` header, `x-amz-content-sha256`);
  * `wire_*`: bytes as received by a socket on 127.0.0.1 from boto3 and from
    the AWS CLI (a separate process with the real clock, so that file changes on
    every run; its `now_unix` is its signing time).

Usage:  python3 interop/sigv4/make_fixtures.py [OUT_DIR]
        (default OUT_DIR: crates/cirrus-server/tests/fixtures/sigv4)
Needs boto3/botocore. Output is deterministic for a given botocore version
(the clock and the invocation-id UUID are pinned); regenerate after upgrading
botocore and commit the result.
"""

import base64
import datetime
import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from unittest import mock

import boto3
import botocore
import botocore.auth
from botocore.auth import S3SigV4Auth, SigV4Auth, _host_from_url
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config
from botocore.credentials import Credentials

ACCESS_KEY_ID = "AKIDCIRRUSEXAMPLE01"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLE//session+token/value=="
REGION = "us-east-1"
SERVICE = "cognito-idp"
ENDPOINT = "http://localhost:9229"
FIXED_NOW = datetime.datetime(2026, 11, 22, 1, 40, 0)  # naive UTC, as botocore uses
POOL_ID = "us-east-1_AbC123xyZ"
WIRE_PORT = 39229

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "crates", "cirrus-server", "tests", "fixtures", "sigv4")

# botocore's last canonical request / string to sign, captured by wrapping
# SigV4Auth.string_to_sign (it receives the canonical request as an argument).
_captured = {}
_orig_string_to_sign = SigV4Auth.string_to_sign


def _capturing_string_to_sign(self, request, canonical_request):
    sts = _orig_string_to_sign(self, request, canonical_request)
    _captured["canonical_request"] = canonical_request
    _captured["string_to_sign"] = sts
    return sts


def _text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _fixture(name, description, method, url, headers, body, *, signed_region=REGION,
             signed_service=SERVICE, verify_region=REGION, expected_error=None,
             session_token=None):
    parts = botocore.compat.urlsplit(url)
    header_list = [[_text(k), _text(v)] for k, v in headers]
    # User-Agent is never signed and names the generating machine's OS and
    # Python; pin it so the fixtures do not change from machine to machine.
    for pair in header_list:
        if pair[0].lower() == "user-agent":
            pair[1] = f"(pinned by make_fixtures.py; botocore {botocore.__version__}; not signed)"
    # urllib3 adds Host when sending; botocore signed the same value.
    if not any(k.lower() == "host" for k, _ in header_list):
        header_list.insert(0, ["Host", _host_from_url(url)])
    body = body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    fx = {
        "name": name,
        "description": description,
        "signer": f"botocore {botocore.__version__}",
        "access_key_id": ACCESS_KEY_ID,
        "secret_access_key": SECRET_ACCESS_KEY,
        "session_token": session_token,
        "signed_region": signed_region,
        "signed_service": signed_service,
        "timestamp": FIXED_NOW.strftime("%Y%m%dT%H%M%SZ"),
        "now_unix": int(FIXED_NOW.replace(tzinfo=datetime.timezone.utc).timestamp()),
        "method": method,
        "path": parts.path or "/",
        "query": parts.query,
        "headers": header_list,
        "body_base64": base64.b64encode(body).decode("ascii"),
        "verify_region": verify_region,
        "expected_access_key_id": None if expected_error else ACCESS_KEY_ID,
        "expected_error": expected_error,
        "botocore_canonical_request": _captured.get("canonical_request"),
        "botocore_string_to_sign": _captured.get("string_to_sign"),
    }
    try:
        fx["body_utf8"] = body.decode("utf-8")
    except UnicodeDecodeError:
        fx["body_utf8"] = None
    _captured.clear()
    return fx


# ---------------------------------------------------------------------------
# boto3 client calls
# ---------------------------------------------------------------------------

class _Raw:
    def stream(self, **_kwargs):
        yield b"{}"


def boto3_call(name, description, operation, params, *, region=REGION, session_token=None,
               **kw):
    """Run one boto3 cognito-idp call and capture the signed request."""
    seen = []

    def before_send(request, **_kwargs):
        seen.append(request)
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"}, _Raw())

    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        aws_session_token=session_token,
        region_name=region,
    )
    client = session.client(
        "cognito-idp", endpoint_url=ENDPOINT,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    client.meta.events.register("before-send", before_send)
    getattr(client, operation)(**params)
    (req,) = seen
    body = req.body
    if hasattr(body, "read"):
        body = body.read()
    return _fixture(name, description, req.method, req.url, list(req.headers.items()), body,
                    signed_region=region, session_token=session_token, **kw)


# ---------------------------------------------------------------------------
# hand-built requests
# ---------------------------------------------------------------------------

def signed(name, description, method, url, headers, body=b"", *, auth_cls=SigV4Auth,
           signed_region=REGION, signed_service=SERVICE, session_token=None, **kw):
    req = AWSRequest(method=method, url=url, data=body)
    for k, v in headers:
        req.headers[k] = v  # HTTPHeaders: assigning twice adds a second value
    creds = Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, session_token)
    auth_cls(creds, signed_service, signed_region).add_auth(req)
    return _fixture(name, description, method, url, list(req.headers.items()), body,
                    signed_region=signed_region, signed_service=signed_service,
                    session_token=session_token, **kw)


def json_headers(action):
    return [
        ("X-Amz-Target", f"AWSCognitoIdentityProviderService.{action}"),
        ("Content-Type", "application/x-amz-json-1.1"),
    ]


# ---------------------------------------------------------------------------
# wire captures
# ---------------------------------------------------------------------------

class _WireCapture:
    """A one-thread HTTP/1.1 listener on 127.0.0.1 that records each request's
    raw request line, header lines and body, and answers 200 `{}` with
    `Connection: close` (one request per connection)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:  # a fixed port keeps the boto3 capture byte-for-byte reproducible
            self.sock.bind(("127.0.0.1", WIRE_PORT))
        except OSError:
            self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                f = conn.makefile("rb")
                line = f.readline()
                if not line:
                    continue
                method, target, _version = line.decode("latin-1").rstrip("\r\n").split(" ")
                headers = []
                while True:
                    h = f.readline().decode("latin-1").rstrip("\r\n")
                    if not h:
                        break
                    name, _, value = h.partition(":")
                    # As an HTTP server (hyper/httparse) hands them over:
                    # optional whitespace around the value removed.
                    headers.append((name, value.strip(" \t")))
                length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
                body = f.read(length) if length else b""
                self.requests.append((method, target, headers, body))
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
                             b"x-amzn-RequestId: 00000000-0000-4000-8000-000000000000\r\n"
                             b"Connection: close\r\nContent-Length: 2\r\n\r\n{}")

    def close(self):
        self.sock.close()


def _wire_fixture(name, description, captured, now_unix=None):
    method, target, headers, body = captured
    path, _, query = target.partition("?")
    url = f"http://placeholder{path}" + (f"?{query}" if query else "")
    fx = _fixture(name, description, method, url, headers, body)
    stamp = next(v for k, v in headers if k.lower() == "x-amz-date")
    fx["timestamp"] = stamp
    fx["now_unix"] = now_unix or int(datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")
                                     .replace(tzinfo=datetime.timezone.utc).timestamp())
    return fx


def wire_fixtures():
    cap = _WireCapture()
    try:
        session = boto3.session.Session(
            aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY,
            region_name=REGION)
        client = session.client("cognito-idp", endpoint_url=f"http://127.0.0.1:{cap.port}",
                                config=Config(retries={"max_attempts": 1, "mode": "standard"}))
        client.admin_get_user(UserPoolId=POOL_ID, Username="zoë")
        out = [_wire_fixture(
            "wire_boto3_admin_get_user",
            "boto3 AdminGetUser as received on a socket (Host and Content-Length from urllib3)",
            cap.requests[-1])]
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY_ID,
                   AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY, AWS_DEFAULT_REGION=REGION,
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
        try:
            subprocess.run(
                ["aws", "cognito-idp", "list-user-pools", "--max-results", "7",
                 "--endpoint-url", f"http://127.0.0.1:{cap.port}", "--output", "json"],
                env=env, check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as e:
            print(f"skipping the AWS CLI capture: {e}", file=sys.stderr)
        else:
            out.append(_wire_fixture(
                "wire_awscli_list_user_pools",
                "AWS CLI `aws cognito-idp list-user-pools` as received on a socket",
                cap.requests[-1]))
        return out
    finally:
        cap.close()


def build_all():
    fixtures = []
    fixtures.append(boto3_call(
        "boto3_list_user_pools",
        "boto3 ListUserPools, the canonical admin call",
        "list_user_pools", {"MaxResults": 10}))
    fixtures.append(boto3_call(
        "boto3_admin_create_user_unicode",
        "boto3 AdminCreateUser with non-ASCII attribute values",
        "admin_create_user", {
            "UserPoolId": POOL_ID,
            "Username": "zoë.ådén",
            "UserAttributes": [
                {"Name": "name", "Value": "Zoë Ådén 日本語 🚀"},
                {"Name": "email", "Value": "zoe@example.com"},
            ],
            "MessageAction": "SUPPRESS",
        }))
    fixtures.append(boto3_call(
        "boto3_get_signing_certificate",
        "boto3 GetSigningCertificate",
        "get_signing_certificate", {"UserPoolId": POOL_ID}))
    fixtures.append(boto3_call(
        "boto3_session_token",
        "boto3 DescribeUserPool with temporary credentials (X-Amz-Security-Token signed)",
        "describe_user_pool", {"UserPoolId": POOL_ID}, session_token=SESSION_TOKEN))
    fixtures.append(boto3_call(
        "boto3_wrong_region",
        "boto3 ListUserPools signed for eu-west-1, verified by a us-east-1 server",
        "list_user_pools", {"MaxResults": 5}, region="eu-west-1",
        verify_region=REGION, expected_error="InvalidSignatureException"))

    fixtures.append(signed(
        "raw_utf8_body",
        "JSON body with raw UTF-8 (not \\u-escaped)",
        "POST", ENDPOINT + "/", json_headers("AdminUpdateUserAttributes"),
        json.dumps({
            "UserPoolId": POOL_ID, "Username": "jürgen",
            "UserAttributes": [{"Name": "custom:motto", "Value": "Ça va? Ελληνικά — 漢字 ✓"}],
        }, ensure_ascii=False).encode("utf-8")))
    fixtures.append(signed(
        "empty_body",
        "POST with an empty body (hash of the empty string)",
        "POST", ENDPOINT + "/", json_headers("ListUserPools"), b""))
    fixtures.append(signed(
        "odd_header_whitespace",
        "header values with leading/trailing spaces, inner runs of spaces and tabs",
        "POST", ENDPOINT + "/",
        json_headers("ListUserPools") + [
            ("X-Cirrus-Note", "  leading, inner   spaces\t\tand tabs,   trailing   "),
            ("X-Cirrus-Plain", "\tx\t"),
        ],
        b'{"MaxResults": 1}'))
    fixtures.append(signed(
        "repeated_header",
        "a header sent twice; canonical value joins both with a comma, in order",
        "POST", ENDPOINT + "/",
        json_headers("ListUserPools") + [("X-Cirrus-Multi", "first  value"), ("X-Cirrus-Multi", " second")],
        b'{"MaxResults": 2}'))
    fixtures.append(signed(
        "query_string",
        "query with unsorted and repeated names, an encoded space, UTF-8, an empty value and a bare name",
        "GET", ENDPOINT + "/?b=2&a=1&a=0&c=x%20y&d=%E2%9C%93&e=&f&A=upper",
        [("Accept", "application/json")]))
    fixtures.append(signed(
        "path_normalisation",
        "path with dot segments, a double slash and an encoded space (canonical URI encodes once more)",
        "POST", ENDPOINT + "/some/./path/../seg%20ment//x/",
        json_headers("ListUserPools"), b"{}"))
    fixtures.append(signed(
        "date_header",
        "a Date header instead of X-Amz-Date (botocore writes an RFC 2822 date)",
        "POST", ENDPOINT + "/",
        json_headers("ListUserPools") + [("Date", "placeholder, replaced by botocore")],
        b"{}"))
    fixtures.append(signed(
        "content_sha256_header",
        "x-amz-content-sha256 sent and signed (S3-style signer; path / is the same)",
        "POST", ENDPOINT + "/", json_headers("ListUserPools"), b'{"MaxResults": 3}',
        auth_cls=S3SigV4Auth))
    fixtures.append(signed(
        "port_default_host",
        "https URL on the default port: Host has no port",
        "POST", "https://cognito.example.com/", json_headers("ListUserPools"), b"{}"))
    fixtures.append(signed(
        "wrong_service",
        "signed for service sts instead of cognito-idp",
        "POST", ENDPOINT + "/", json_headers("ListUserPools"), b"{}",
        signed_service="sts", expected_error="InvalidSignatureException"))
    return fixtures


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT)
    os.makedirs(out, exist_ok=True)
    fixed_uuid = uuid.UUID("00000000-0000-4000-8000-000000000000")
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=FIXED_NOW), \
            mock.patch.object(uuid, "uuid4", return_value=fixed_uuid), \
            mock.patch.object(SigV4Auth, "string_to_sign", _capturing_string_to_sign):
        fixtures = build_all()
        fixtures += wire_fixtures()
    for old in os.listdir(out):
        if old.endswith(".json"):
            os.remove(os.path.join(out, old))
    for fx in fixtures:
        path = os.path.join(out, fx["name"] + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(fx, f, indent=2, ensure_ascii=False)
            f.write("\n")
    print(f"wrote {len(fixtures)} fixtures to {out}")


if __name__ == "__main__":
    main()
