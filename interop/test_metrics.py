"""Prometheus metrics of a real `cirrus serve`, read with an independent parser
(`prometheus_client.parser`): counters move by exactly what the test did, labels never carry a
pool id, username, NameID, client id or domain prefix, `--metrics-listen` serves /metrics to
anyone, and the main listener's /metrics answers loopback peers only."""

from __future__ import annotations

import socket
import urllib.parse
from collections import defaultdict

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import make_client
from idp import SamlTestIdP
from support import aws_error, free_port, raw_call
from test_sign_in import CALLBACK, EMAIL, Env, query_of

SIGN_INS = "cirrus_federated_sign_ins_total"
TOKENS = "cirrus_tokens_issued_total"
ADMIN = "cirrus_admin_api_calls_total"
HTTP = "cirrus_http_requests_total"
DURATION = "cirrus_http_request_duration_seconds_count"




class Scrape:
    """One parsed exposition: every sample by name, with its labels."""

    def __init__(self, text: str):
        self.samples: dict[str, list[tuple[dict, float]]] = defaultdict(list)
        self.types: dict[str, str] = {}
        for family in text_string_to_metric_families(text):
            self.types[family.name] = family.type
            for s in family.samples:
                self.samples[s.name].append((dict(s.labels), s.value))

    def value(self, name: str, **labels) -> float:
        """The sum of the samples of `name` whose labels include `labels` (0 when absent)."""
        return sum(v for l, v in self.samples.get(name, []) if all(l.get(k) == x for k, x in labels.items()))

    def label_values(self, *, except_names: tuple[str, ...] = ()) -> set[str]:
        return {
            v
            for name, samples in self.samples.items()
            if name not in except_names
            for labels, _ in samples
            for v in labels.values()
        }


def scrape(url: str) -> Scrape:
    r = requests.get(url + "/metrics", timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain"), r.headers
    return Scrape(r.text)


@pytest.fixture
def metered(fresh_store, launch):
    """A server of its own (so counts are exact) with --metrics-listen on a second port."""
    port = free_port()
    srv = launch(fresh_store(), "--metrics-listen", f"127.0.0.1:{port}")
    srv.metrics_url = f"http://127.0.0.1:{port}"
    return srv


def delta(before: Scrape, after: Scrape, name: str, **labels) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


def test_counters_move_by_exactly_what_happened(metered):
    cognito = make_client(metered.url)
    env = Env(metered, cognito, idp_init=True)
    audience = f"urn:amazon:cognito:sp:{env.pool_id}"
    before = scrape(metered.metrics_url)

    # Admin API: two good calls, one failing call, one unknown action.
    cognito.describe_user_pool(UserPoolId=env.pool_id)
    cognito.describe_user_pool(UserPoolId=env.pool_id)
    with aws_error("ResourceNotFoundException"):
        cognito.describe_user_pool(UserPoolId="us-east-1_NoSuchPool")
    r = raw_call(metered.url, "FrobnicateWidgets", {"UserPoolId": env.pool_id})
    assert r.status_code == 400 and r.json()["__type"] == "UnknownOperationException"

    # A forged response (another key, same entity ID) is refused by the signature check.
    req = env.to_idp()
    forged = SamlTestIdP(entity_id=env.idp.entity_id).response(
        acs=req["acs"], audience=audience, in_response_to=req["id"], name_id="mallory-0666")
    assert query_of(env.post_acs(forged, req["relay_state"]).headers["Location"])[0]["error"] == "server_error"

    # An SP-initiated sign-in, its code exchanged, the refresh token used once.
    r = env.sign_in(name_id="alice-metrics-0001")
    code = query_of(r.headers["Location"])[0]["code"]
    t = env.token({"grant_type": "authorization_code", "client_id": env.client_id, "code": code, "redirect_uri": CALLBACK})
    assert t.status_code == 200, t.text
    t = env.token({"grant_type": "refresh_token", "client_id": env.client_id, "refresh_token": t.json()["refresh_token"]})
    assert t.status_code == 200, t.text

    # An IdP-initiated sign-in, then the same response replayed.
    relay = urllib.parse.urlencode({"response_type": "code", "client_id": env.client_id, "redirect_uri": CALLBACK, "identity_provider": "Corp"})
    saml = env.idp.response(acs=env.acs, audience=audience, name_id="bob-metrics-0002", attributes={EMAIL: ["b@corp.example"]})
    assert "code=" in env.post_acs(saml, relay).headers["Location"]
    assert query_of(env.post_acs(saml, relay).headers["Location"])[0]["error"] == "server_error"

    after = scrape(metered.metrics_url)
    assert after.types[SIGN_INS.removesuffix("_total")] == "counter"
    assert after.types["cirrus_http_request_duration_seconds"] == "histogram"

    assert delta(before, after, ADMIN, action="DescribeUserPool", error="none") == 2
    assert delta(before, after, ADMIN, action="DescribeUserPool", error="ResourceNotFoundException") == 1
    assert delta(before, after, ADMIN, action="unknown", error="UnknownOperationException") == 1
    assert delta(before, after, ADMIN) == 4

    assert delta(before, after, SIGN_INS, outcome="success", check="none") == 2
    assert delta(before, after, SIGN_INS, outcome="refused", check="signature") == 1
    assert delta(before, after, SIGN_INS, outcome="refused", check="replay") == 1
    assert delta(before, after, SIGN_INS, outcome="refused") == 2
    assert delta(before, after, SIGN_INS, outcome="error") == 0

    assert delta(before, after, TOKENS, grant_type="authorization_code") == 1
    assert delta(before, after, TOKENS, grant_type="refresh_token") == 1
    assert delta(before, after, TOKENS) == 2

    assert delta(before, after, HTTP, route="/", method="POST", status="200") == 2
    assert delta(before, after, HTTP, route="/", method="POST", status="400") == 2
    acs = "/domain/{prefix}/saml2/idpresponse"
    assert delta(before, after, HTTP, route=acs, method="POST", status="302") == 4
    assert delta(before, after, HTTP, route="/domain/{prefix}/oauth2/authorize", method="GET", status="302") == 2
    assert delta(before, after, HTTP, route="/domain/{prefix}/oauth2/token", method="POST", status="200") == 2
    assert delta(before, after, DURATION, route=acs, method="POST") == 4
    assert after.value("cirrus_build_info") == 1
    assert all(labels.get("version") for labels, _ in after.samples["cirrus_build_info"])

    secrets = [env.pool_id, env.prefix, env.client_id, env.secret_client_id, "alice-metrics-0001",
               "bob-metrics-0002", "mallory-0666", "Corp_alice-metrics-0001", "us-east-1_NoSuchPool", "Frobnicate"]
    # Certificate expiry gauges are keyed by configuration (pool, provider), not by traffic: they
    # name pools on purpose (test_certificates.py); every traffic-driven label must not.
    for value in after.label_values(except_names=("cirrus_saml_certificate_not_after_timestamp_seconds",)):
        for secret in secrets:
            assert secret.lower() not in value.lower(), f"label value {value!r} carries {secret!r}"


def test_main_listener_serves_metrics_to_loopback_only(metered):
    r = requests.get(metered.url + "/metrics", timeout=10)
    assert r.status_code == 200 and "cirrus_build_info" in r.text
    # A request relayed by a proxy on the same host is not a local client.
    r = requests.get(metered.url + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10)
    assert r.status_code == 403 and "cirrus_" not in r.text
    assert requests.get(metered.metrics_url + "/healthz", timeout=10).text == "ok"
    # The metrics listener serves nothing else.
    assert requests.post(metered.metrics_url + "/", data="{}", timeout=10).status_code in (404, 405)


def local_non_loopback_ipv4() -> str | None:
    """An address of this host that is not loopback, so a connection to it has a non-loopback peer."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.123", 9))  # no packet is sent
            ip = s.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith("127.") or ip == "0.0.0.0" else ip


def test_non_loopback_peer_is_refused_on_main_but_served_on_metrics_listener(fresh_store, launch, tmp_path):
    ip = local_non_loopback_ipv4()
    if ip is None:
        pytest.skip("this host has no non-loopback IPv4 address")
    keys = tmp_path / "keys"
    keys.write_text("AKIDMETRICS:secret-metrics\n")
    port = free_port()
    srv = launch(fresh_store(), "--admin-keys", str(keys), "--metrics-listen", f"0.0.0.0:{port}", listen="0.0.0.0:0")
    main_port = srv.url.rsplit(":", 1)[1]
    r = requests.get(f"http://{ip}:{main_port}/metrics", timeout=10)
    assert r.status_code == 403, r.text
    assert "cirrus_" not in r.text
    r = requests.get(f"http://{ip}:{port}/metrics", timeout=10)
    assert r.status_code == 200 and "cirrus_build_info" in r.text
    # The refusal itself was counted, by template.
    assert Scrape(r.text).value(HTTP, route="/metrics", status="403") == 1


def test_process_resources_match_proc(metered):
    """The standard process metrics agree with what the kernel says about the server's pid."""
    m = scrape(metered.url)
    pid = metered.proc.pid
    rss_kib = next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:"))
    rss = m.value("process_resident_memory_bytes")
    assert 0.5 * rss_kib * 1024 < rss < 2 * rss_kib * 1024, (rss, rss_kib)
    fds = len(__import__("os").listdir(f"/proc/{pid}/fd"))
    assert abs(m.value("process_open_fds") - fds) <= 4, (m.value("process_open_fds"), fds)
    assert m.value("process_max_fds") >= fds
    assert m.types["process_cpu_seconds"] == "counter"
    assert m.value("process_cpu_seconds_total") >= 0
