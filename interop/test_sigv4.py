"""SigV4 on the admin API (DESIGN §3, spec §1.3): a server started with --admin-keys verifies
signatures made by boto3; a non-loopback listener without keys refuses to start."""

import datetime as dt
from unittest import mock

import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from conftest import make_client, run_serve_expect_exit
from support import TARGET, aws_error, error_of, raw_call

AKID, SECRET = "AKIDCIRRUSTEST0001", "s3cr3t/Key+with/slashes0123456789abcdef"
AKID2, SECRET2 = "AKIDCIRRUSTEST0002", "another-secret-key-0123456789"


@pytest.fixture
def signed_server(fresh_store, launch, tmp_path):
    keys = tmp_path / "admin-keys"
    keys.write_text(f"# admin keys\n{AKID}:{SECRET}\n{AKID2}:{SECRET2}\n")
    return launch(fresh_store(), "--admin-keys", str(keys))


def test_right_keys_work(signed_server):
    c = make_client(signed_server.url, access_key=AKID, secret_key=SECRET)
    pool = c.create_user_pool(PoolName="signed")["UserPool"]["Id"]
    assert c.describe_user_pool(UserPoolId=pool)["UserPool"]["Name"] == "signed"
    c2 = make_client(signed_server.url, access_key=AKID2, secret_key=SECRET2)
    assert pool in {p["Id"] for p in c2.list_user_pools(MaxResults=10)["UserPools"]}


def test_wrong_secret(signed_server):
    c = make_client(signed_server.url, access_key=AKID, secret_key="wrong-secret")
    with aws_error("InvalidSignatureException"):
        c.create_user_pool(PoolName="nope")
    # Another configured key's secret does not fit this key either.
    c = make_client(signed_server.url, access_key=AKID, secret_key=SECRET2)
    with aws_error("InvalidSignatureException"):
        c.list_user_pools(MaxResults=10)
    ok = make_client(signed_server.url, access_key=AKID, secret_key=SECRET)
    assert ok.list_user_pools(MaxResults=10)["UserPools"] == []


def test_unknown_key(signed_server):
    c = make_client(signed_server.url, access_key="AKIDUNKNOWN", secret_key=SECRET)
    with aws_error("UnrecognizedClientException"):
        c.list_user_pools(MaxResults=10)


def test_unsigned_request(signed_server):
    c = make_client(signed_server.url, config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))
    with aws_error("MissingAuthenticationTokenException"):
        c.list_user_pools(MaxResults=10)
    r = raw_call(signed_server.url, "CreateUserPool", {"PoolName": "raw"})
    assert r.status_code in (400, 403)
    assert error_of(r)[0] == "MissingAuthenticationTokenException"
    ok = make_client(signed_server.url, access_key=AKID, secret_key=SECRET)
    assert ok.list_user_pools(MaxResults=10)["UserPools"] == []


def _signed(url, body: bytes, when: dt.datetime | None = None, region="us-east-1", service="cognito-idp"):
    """Headers of a ListUserPools request signed by botocore, optionally at a chosen time."""
    req = AWSRequest(
        method="POST", url=url + "/", data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + "ListUserPools"},
    )
    auth = SigV4Auth(Credentials(AKID, SECRET), service, region)
    if when is None:
        auth.add_auth(req)
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=when.replace(tzinfo=None)):
            auth.add_auth(req)
    return dict(req.headers.items())


def test_tampered_and_stale_signatures(signed_server):
    import requests

    body = b'{"MaxResults": 10}'
    good = _signed(signed_server.url, body)
    r = requests.post(signed_server.url + "/", data=body, headers=good, timeout=10)
    assert r.status_code == 200, r.text
    # Body changed after signing.
    r = requests.post(signed_server.url + "/", data=b'{"MaxResults": 11}', headers=good, timeout=10)
    assert error_of(r)[0] == "InvalidSignatureException"
    # Signed for another service or region.
    for kw in ({"service": "s3"}, {"region": "eu-west-1"}):
        h = _signed(signed_server.url, body, **kw)
        r = requests.post(signed_server.url + "/", data=body, headers=h, timeout=10)
        assert error_of(r)[0] == "InvalidSignatureException", kw
    # Signed 10 minutes ago (the window is ±5 minutes).
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10)
    h = _signed(signed_server.url, body, when=old)
    assert h["X-Amz-Date"] == old.strftime("%Y%m%dT%H%M%SZ")
    r = requests.post(signed_server.url + "/", data=body, headers=h, timeout=10)
    assert error_of(r)[0] == "InvalidSignatureException"
    # ... or 10 minutes ahead; 2 minutes ahead is within the window.
    ahead = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=10)
    r = requests.post(signed_server.url + "/", data=body, headers=_signed(signed_server.url, body, when=ahead), timeout=10)
    assert error_of(r)[0] == "InvalidSignatureException"
    near = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=2)
    r = requests.post(signed_server.url + "/", data=body, headers=_signed(signed_server.url, body, when=near), timeout=10)
    assert r.status_code == 200, r.text


def test_open_loopback_server_accepts_signed_and_unsigned(server):
    signed = make_client(server.url, access_key="anything", secret_key="at-all")
    unsigned = make_client(server.url, config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))
    assert signed.list_user_pools(MaxResults=1)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert unsigned.list_user_pools(MaxResults=1)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_non_loopback_without_keys_refuses_to_start(fresh_store):
    store = fresh_store()
    rc, out, err = run_serve_expect_exit(["--listen", "0.0.0.0:0", *store.args()])
    assert rc != 0
    assert "cirrus listening on" not in out
    assert "refusing to listen on the non-loopback address" in err and "--admin-keys" in err


def test_non_loopback_with_keys_starts(fresh_store, launch, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text(f"{AKID}:{SECRET}\n")
    srv = launch(fresh_store(), "--admin-keys", str(keys), listen="0.0.0.0:0")
    port = srv.url.rsplit(":", 1)[1]
    c = make_client(f"http://127.0.0.1:{port}", access_key=AKID, secret_key=SECRET)
    assert c.list_user_pools(MaxResults=1)["UserPools"] == []


def test_bad_admin_keys_file_refuses_to_start(fresh_store, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text("no-colon-here\n")
    rc, out, err = run_serve_expect_exit(["--listen", "127.0.0.1:0", "--admin-keys", str(keys), *fresh_store().args()])
    assert rc != 0 and "--admin-keys" in err and "cirrus listening on" not in out
    rc, out, err = run_serve_expect_exit(["--listen", "127.0.0.1:0", "--admin-keys", str(tmp_path / "missing"), *fresh_store().args()])
    assert rc != 0 and "cannot read --admin-keys" in err


def test_incomplete_signature(signed_server):
    import requests

    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": TARGET + "ListUserPools",
        "X-Amz-Date": dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
        "Authorization": "AWS4-HMAC-SHA256 Credential=garbage",
    }
    r = requests.post(signed_server.url + "/", data=b'{"MaxResults": 1}', headers=headers, timeout=10)
    assert error_of(r)[0] == "IncompleteSignatureException"


def test_token_operations_need_no_signature(signed_server):
    """Operations Cognito leaves unsigned (spec §1.3) pass without SigV4 and are judged by their token."""
    c = make_client(signed_server.url, config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))
    with aws_error("NotAuthorizedException"):
        c.get_user(AccessToken="not.a.token")
    with aws_error("NotAuthorizedException"):
        c.global_sign_out(AccessToken="not.a.token")
    # An admin operation next to them still needs the signature.
    with aws_error("MissingAuthenticationTokenException"):
        c.admin_get_user(UserPoolId="us-east-1_abcdefghi", Username="u")
