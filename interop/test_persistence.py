"""State survives a graceful restart and a SIGKILL; concurrent writers get clean answers."""

import threading
import time

from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import make_client
from support import all_pages, attrs, idp_metadata, unique


def snapshot(c, pool):
    """Everything the admin API shows about a pool, for before/after comparison."""
    out = {"pool": c.describe_user_pool(UserPoolId=pool)["UserPool"]}
    out["cert"] = c.get_signing_certificate(UserPoolId=pool)["Certificate"]
    clients, _ = all_pages(c.list_user_pool_clients, "UserPoolClients", "NextToken", UserPoolId=pool, MaxResults=60)
    out["clients"] = {x["ClientId"]: c.describe_user_pool_client(UserPoolId=pool, ClientId=x["ClientId"])["UserPoolClient"] for x in clients}
    providers, _ = all_pages(c.list_identity_providers, "Providers", "NextToken", UserPoolId=pool, MaxResults=60)
    out["providers"] = {
        p["ProviderName"]: c.describe_identity_provider(UserPoolId=pool, ProviderName=p["ProviderName"])["IdentityProvider"] for p in providers
    }
    out["resource_servers"] = c.list_resource_servers(UserPoolId=pool, MaxResults=50)["ResourceServers"]
    users, _ = all_pages(c.list_users, "Users", "PaginationToken", UserPoolId=pool)
    out["users"] = sorted(users, key=lambda u: u["Username"])
    groups, _ = all_pages(c.list_groups, "Groups", "NextToken", UserPoolId=pool)
    out["groups"] = sorted(groups, key=lambda g: g["GroupName"])
    out["members"] = {
        g["GroupName"]: sorted(u["Username"] for u in c.list_users_in_group(UserPoolId=pool, GroupName=g["GroupName"])["Users"])
        for g in groups
    }
    out["tags"] = c.list_tags_for_resource(ResourceArn=out["pool"]["Arn"])["Tags"]
    domain = out["pool"].get("Domain")
    out["domain"] = c.describe_user_pool_domain(Domain=domain)["DomainDescription"] if domain else None
    return out


def populate(c):
    pool = c.create_user_pool(
        PoolName="persisted",
        Schema=[{"Name": "dept", "AttributeDataType": "String"}],
        UserPoolTags={"env": "test"},
        UsernameConfiguration={"CaseSensitive": False},
    )["UserPool"]["Id"]
    c.add_custom_attributes(UserPoolId=pool, CustomAttributes=[{"Name": "team", "AttributeDataType": "String"}])
    c.create_user_pool_domain(UserPoolId=pool, Domain=unique("persist-"))
    c.create_resource_server(UserPoolId=pool, Identifier="https://api.example.com", Name="api", Scopes=[{"ScopeName": "read", "ScopeDescription": "r"}])
    c.create_identity_provider(
        UserPoolId=pool, ProviderName="Corp", ProviderType="SAML",
        ProviderDetails={"MetadataFile": idp_metadata(), "EncryptedResponses": "true"},
        AttributeMapping={"email": "mail", "custom:dept": "department"}, IdpIdentifiers=["corp.example.com"],
    )
    c.create_user_pool_client(
        UserPoolId=pool, ClientName="web", GenerateSecret=True, SupportedIdentityProviders=["Corp", "COGNITO"],
        WriteAttributes=["email", "custom:dept"], CallbackURLs=["https://app.example.com/cb"],
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "https://api.example.com/read"],
    )
    c.admin_create_user(UserPoolId=pool, Username="Persisted.User", MessageAction="SUPPRESS",
                        UserAttributes=[{"Name": "email", "Value": "p@example.com"}, {"Name": "custom:dept", "Value": "eng"}])
    c.admin_disable_user(UserPoolId=pool, Username="persisted.user")
    c.create_group(UserPoolId=pool, GroupName="staff", Precedence=3, Description="Staff")
    c.admin_add_user_to_group(UserPoolId=pool, Username="persisted.user", GroupName="staff")
    return pool


def test_state_survives_restart(fresh_store, launch):
    store = fresh_store()
    first = launch(store)
    c = first.client()
    pool = populate(c)
    before = snapshot(c, pool)
    assert first.stop() == 0, first.stderr()
    second = launch(store)
    c2 = second.client()
    after = snapshot(c2, pool)
    assert after == before
    # The restarted server keeps working, with the old rules (case-insensitive lookups).
    assert attrs(c2.admin_get_user(UserPoolId=pool, Username="PERSISTED.USER")["UserAttributes"])["custom:dept"] == "eng"
    assert c2.get_identity_provider_by_identifier(UserPoolId=pool, IdpIdentifier="corp.example.com")["IdentityProvider"]["ProviderName"] == "Corp"
    c2.create_group(UserPoolId=pool, GroupName="after-restart")


def test_sigkill_keeps_every_acknowledged_write(fresh_store, launch):
    store = fresh_store()
    srv = launch(store)
    setup = srv.client()
    pool = setup.create_user_pool(PoolName="burst")["UserPool"]["Id"]
    fast = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=10)
    acked: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    per_thread = 60

    def writer(t: int):
        c = make_client(srv.url, config=fast)
        for i in range(per_thread):
            if stop.is_set():
                return
            name = f"t{t}-{i:03d}"
            try:
                if i % 2:
                    c.create_group(UserPoolId=pool, GroupName=name, Description=f"group {name}")
                else:
                    c.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS",
                                        UserAttributes=[{"Name": "name", "Value": name}])
            except Exception:  # noqa: BLE001 -- the server is being killed; unacknowledged writes may be lost
                return
            with lock:
                acked.append(name)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with lock:
            if len(acked) >= 80:
                break
        time.sleep(0.005)
    srv.kill()
    stop.set()
    for t in threads:
        t.join(30)
    assert srv.returncode == -9
    acked_now = list(acked)
    assert 80 <= len(acked_now) < 4 * per_thread, f"the kill did not land mid-burst ({len(acked_now)} acknowledged)"

    again = launch(store)
    c = again.client()
    users, _ = all_pages(c.list_users, "Users", "PaginationToken", UserPoolId=pool)
    groups, _ = all_pages(c.list_groups, "Groups", "NextToken", UserPoolId=pool)
    stored = {u["Username"] for u in users} | {g["GroupName"] for g in groups}
    missing = [n for n in acked_now if n not in stored]
    assert not missing, f"{len(missing)} acknowledged writes lost after SIGKILL: {missing[:10]}"
    # What is stored is whole: attributes and descriptions are there.
    for u in users:
        assert attrs(u["Attributes"])["name"] == u["Username"]
    for g in groups:
        assert g["Description"] == f"group {g['GroupName']}"
    # The store opened cleanly and takes writes.
    c.create_group(UserPoolId=pool, GroupName="after-kill")
    c.admin_create_user(UserPoolId=pool, Username="after-kill", MessageAction="SUPPRESS")
    assert c.get_group(UserPoolId=pool, GroupName="after-kill")["Group"]["GroupName"] == "after-kill"


def _race(n, call):
    """Runs `call` from n threads at once; returns the outcomes (None or an error code)."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        try:
            call(i)
            results[i] = "ok"
        except ClientError as e:
            results[i] = e.response["Error"]["Code"]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_concurrent_duplicates_get_clean_errors(server):
    clients = [make_client(server.url) for _ in range(8)]
    pool = clients[0].create_user_pool(PoolName=unique("race-"))["UserPool"]["Id"]
    groups = _race(8, lambda i: clients[i].create_group(UserPoolId=pool, GroupName="same"))
    assert sorted(groups) == ["GroupExistsException"] * 7 + ["ok"], groups
    users = _race(8, lambda i: clients[i].admin_create_user(UserPoolId=pool, Username="same", MessageAction="SUPPRESS"))
    assert sorted(users) == ["UsernameExistsException"] * 7 + ["ok"], users
    names = _race(8, lambda i: clients[i].create_identity_provider(
        UserPoolId=pool, ProviderName="SameIdp", ProviderType="SAML", ProviderDetails={"MetadataFile": idp_metadata()}))
    assert sorted(names) == ["DuplicateProviderException"] * 7 + ["ok"], names
    domain = unique("race-")
    others = [clients[0].create_user_pool(PoolName=unique("race-"))["UserPool"]["Id"] for _ in range(4)]
    domains = _race(4, lambda i: clients[i].create_user_pool_domain(UserPoolId=others[i], Domain=domain))
    assert sorted(domains) == ["InvalidParameterException"] * 3 + ["ok"], domains


def test_concurrent_updates_do_not_fail(server):
    """Writers racing on different users of one pool all succeed (no store busy errors leak)."""
    clients = [make_client(server.url) for _ in range(8)]
    pool = clients[0].create_user_pool(PoolName=unique("busy-"))["UserPool"]["Id"]
    out = _race(8, lambda i: [clients[i].admin_create_user(UserPoolId=pool, Username=f"u{i}-{k}", MessageAction="SUPPRESS") for k in range(10)])
    assert out == ["ok"] * 8, out
    assert len(all_pages(clients[0].list_users, "Users", "PaginationToken", UserPoolId=pool)[0]) == 80


def test_sigterm_exits_zero(fresh_store, launch):
    srv = launch(fresh_store())
    srv.client().list_user_pools(MaxResults=1)
    assert srv.stop() == 0
    assert "stopped" in srv.stderr()


def test_sigterm_finishes_the_request_in_flight(fresh_store, launch):
    """Graceful shutdown: a call under way when SIGTERM arrives still gets its answer and its write."""
    import http.server

    from support import idp_metadata as meta

    arrived = threading.Event()
    document = meta(sso_redirect="https://slow.example.com/sso").encode()

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            arrived.set()
            time.sleep(1.5)
            self.send_response(200)
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        store = fresh_store()
        srv = launch(store, "--allow-insecure-metadata-urls")
        c = srv.client()
        pool = c.create_user_pool(PoolName="inflight")["UserPool"]["Id"]
        result = {}

        def call():
            try:
                result["out"] = c.create_identity_provider(
                    UserPoolId=pool, ProviderName="Slow", ProviderType="SAML",
                    ProviderDetails={"MetadataURL": f"http://127.0.0.1:{httpd.server_address[1]}/m.xml"},
                )
            except Exception as e:  # noqa: BLE001
                result["error"] = e

        t = threading.Thread(target=call)
        t.start()
        assert arrived.wait(20), "the server never fetched the metadata"
        srv.proc.send_signal(__import__("signal").SIGTERM)
        t.join(30)
        assert "error" not in result, result.get("error")
        assert result["out"]["IdentityProvider"]["ProviderDetails"]["SSORedirectBindingURI"] == "https://slow.example.com/sso"
        assert srv.stop() == 0
        again = launch(store)
        assert again.client().describe_identity_provider(UserPoolId=pool, ProviderName="Slow")["IdentityProvider"]["ProviderName"] == "Slow"
    finally:
        httpd.shutdown()
        httpd.server_close()




def _acknowledged_all_kept(server, prepare, change, read, rounds=3, n=8):
    """Runs `change(client, state, i)` from n threads at once; every change answered with 200 must be
    visible afterwards (a ConcurrentModificationException is allowed to drop it)."""
    clients = [make_client(server.url) for _ in range(n)]
    for _ in range(rounds):
        state = prepare(clients[0])
        results = _race(n, lambda i: change(clients[i], state, i))
        assert set(results) <= {"ok", "ConcurrentModificationException"}, results
        seen = read(clients[0], state)
        lost = [i for i, r in enumerate(results) if r == "ok" and i not in seen]
        assert not lost, f"acknowledged changes lost: {lost} (results {results})"


def test_concurrent_add_custom_attributes_keep_every_attribute(server):
    _acknowledged_all_kept(
        server,
        lambda c: c.create_user_pool(PoolName=unique("lost-"))["UserPool"]["Id"],
        lambda c, pool, i: c.add_custom_attributes(UserPoolId=pool, CustomAttributes=[{"Name": f"a{i}", "AttributeDataType": "String"}]),
        lambda c, pool: {int(a["Name"][len("custom:a"):]) for a in c.describe_user_pool(UserPoolId=pool)["UserPool"]["SchemaAttributes"]
                         if a["Name"].startswith("custom:a")},
    )


def test_concurrent_tag_resource_keeps_every_tag(server):
    _acknowledged_all_kept(
        server,
        lambda c: c.create_user_pool(PoolName=unique("lost-"))["UserPool"]["Arn"],
        lambda c, arn, i: c.tag_resource(ResourceArn=arn, Tags={f"k{i}": "v"}),
        lambda c, arn: {int(k[1:]) for k in c.list_tags_for_resource(ResourceArn=arn)["Tags"]},
    )


def _user(c):
    pool = c.create_user_pool(PoolName=unique("lost-"), Schema=[{"Name": f"a{i}", "AttributeDataType": "String"} for i in range(8)])["UserPool"]["Id"]
    c.admin_create_user(UserPoolId=pool, Username="racer", MessageAction="SUPPRESS")
    return pool


def test_concurrent_user_attribute_updates_keep_every_attribute(server):
    _acknowledged_all_kept(
        server,
        _user,
        lambda c, pool, i: c.admin_update_user_attributes(UserPoolId=pool, Username="racer", UserAttributes=[{"Name": f"custom:a{i}", "Value": "x"}]),
        lambda c, pool: {int(a["Name"][len("custom:a"):]) for a in c.admin_get_user(UserPoolId=pool, Username="racer")["UserAttributes"]
                         if a["Name"].startswith("custom:a")},
    )


def test_concurrent_identifier_claims(server):
    clients = [make_client(server.url) for _ in range(6)]
    pool = clients[0].create_user_pool(PoolName=unique("idrace-"))["UserPool"]["Id"]
    out = _race(6, lambda i: clients[i].create_identity_provider(
        UserPoolId=pool, ProviderName=f"Claim{i}", ProviderType="SAML",
        ProviderDetails={"MetadataFile": idp_metadata()}, IdpIdentifiers=["contested.example"]))
    assert sorted(out) == ["InvalidParameterException"] * 5 + ["ok"], out


def test_concurrent_email_usernames(server):
    clients = [make_client(server.url) for _ in range(8)]
    for _ in range(3):
        pool = clients[0].create_user_pool(PoolName=unique("emrace-"), UsernameAttributes=["email"])["UserPool"]["Id"]
        out = _race(8, lambda i: clients[i].admin_create_user(UserPoolId=pool, Username="same@example.com", MessageAction="SUPPRESS"))
        assert sorted(out) == ["UsernameExistsException"] * 7 + ["ok"], out
