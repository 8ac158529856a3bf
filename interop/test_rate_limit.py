"""Per-client rate limits over real HTTP: a client is its TCP peer, or, behind a declared proxy,
the right-most untrusted X-Forwarded-For address; loopback clients are never limited; the admin
API refuses with Cognito's TooManyRequestsException (seen through boto3), everything else with
429, both with Retry-After."""

from __future__ import annotations

import time

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import make_client, run_serve_expect_exit

LIMITS = ("--rate-limit-per-ip", "1", "--rate-limit-burst", "3")


def get(url: str, client_ip: str | None = None) -> requests.Response:
    headers = {"X-Forwarded-For": f"198.51.100.250, {client_ip}"} if client_ip else {}
    return requests.get(f"{url}/healthz", headers=headers, timeout=10)


def test_each_client_behind_a_trusted_proxy_has_its_own_quota(fresh_store, launch):
    srv = launch(fresh_store(), *LIMITS, "--trusted-proxies", "127.0.0.1")
    statuses = [get(srv.url, "203.0.113.7").status_code for _ in range(3)]
    assert statuses == [200, 200, 200], "the burst is allowed"
    refused = get(srv.url, "203.0.113.7")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    # Another client is not affected, and the proxy itself (loopback) is never limited.
    assert get(srv.url, "203.0.113.8").status_code == 200
    assert all(get(srv.url).status_code == 200 for _ in range(10))
    # The bucket refills at the configured rate.
    time.sleep(1.2)
    assert get(srv.url, "203.0.113.7").status_code == 200


def test_forwarded_for_from_an_untrusted_peer_is_ignored(fresh_store, launch):
    # Without --trusted-proxies the header could be forged by anyone: the peer (loopback here,
    # never limited) is the client, whatever the header says.
    srv = launch(fresh_store(), *LIMITS)
    assert all(get(srv.url, "203.0.113.9").status_code == 200 for _ in range(10))


def test_admin_api_refusal_is_cognitos_throttling_error(fresh_store, launch):
    srv = launch(fresh_store(), *LIMITS, "--trusted-proxies", "127.0.0.0/8")
    cognito = make_client(srv.url)

    def forwarded(request, **_):
        request.headers["X-Forwarded-For"] = "192.0.2.44"

    cognito.meta.events.register("before-sign.cognito-idp.*", forwarded)
    for _ in range(3):
        cognito.list_user_pools(MaxResults=1)
    with pytest.raises(ClientError) as e:
        cognito.list_user_pools(MaxResults=1)
    assert e.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert int(e.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"]) >= 1


def test_bad_rate_limit_flags_are_refused(fresh_store):
    store = fresh_store()
    rc, _, err = run_serve_expect_exit(["--listen", "127.0.0.1:0", *store.args(), "--trusted-proxies", "10.0.0.1,proxy.example"])
    assert rc == 2 and "--trusted-proxies" in err and "proxy.example" in err
    rc, _, err = run_serve_expect_exit(["--listen", "127.0.0.1:0", *store.args(), "--rate-limit-burst", "0"])
    assert rc == 2 and "--rate-limit-burst" in err
