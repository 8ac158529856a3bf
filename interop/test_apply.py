"""`cirrus apply` and `cirrus export` against the store of a running server, checked with boto3
against that server: what the file declares exists, a second apply changes nothing, a dry run
shows the diff with exit 2 and writes nothing, --prune deletes, bad files fail with a precise
message and change nothing, and an export applies back as all unchanged."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import cirrus_bin, make_client, server_env
from idp import SamlTestIdP
from support import all_pages, unique

SAML_EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"


def run(store, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [cirrus_bin(), *args, *store.args()],
        capture_output=True,
        text=True,
        timeout=120,
        env=server_env(),
        stdin=subprocess.DEVNULL,
    )


def apply(store, path: Path, *flags: str) -> subprocess.CompletedProcess:
    return run(store, "apply", "--file", str(path), *flags)


def config(name: str, callback: str = "https://app.example.com/cb", description: str = "Administrators",
           extra_client: str = "", mapping_extra: str = "") -> str:
    return f'''
[[UserPool]]
PoolName = "{name}"
UsernameConfiguration = {{ CaseSensitive = false }}
Policies = {{ PasswordPolicy = {{ MinimumLength = 10 }} }}
UserPoolTags = {{ team = "identity" }}

[[UserPool.Schema]]
Name = "dept"
AttributeDataType = "String"
StringAttributeConstraints = {{ MaxLength = 64 }}

[[UserPool.IdentityProvider]]
ProviderName = "CorpSAML"
ProviderType = "SAML"
ProviderDetails = {{ MetadataFile = "idp/corp.xml", IDPSignout = "true" }}
AttributeMapping = {{ email = "{SAML_EMAIL}", "custom:dept" = "department"{mapping_extra} }}
IdpIdentifiers = ["corp.example.com"]

[[UserPool.ResourceServer]]
Identifier = "https://api.example.com"
Name = "API"
Scopes = [{{ ScopeName = "read", ScopeDescription = "Read access" }}]

[[UserPool.UserPoolClient]]
ClientName = "web"
SupportedIdentityProviders = ["CorpSAML", "COGNITO"]
WriteAttributes = ["email", "custom:dept"]
CallbackURLs = ["{callback}"]
AllowedOAuthFlows = ["code"]
AllowedOAuthScopes = ["openid", "email", "https://api.example.com/read"]
AllowedOAuthFlowsUserPoolClient = true
AccessTokenValidity = 60
TokenValidityUnits = {{ AccessToken = "minutes" }}
{extra_client}
[[UserPool.UserPoolClient]]
ClientName = "backend"
GenerateSecret = true
AllowedOAuthFlows = ["client_credentials"]
AllowedOAuthScopes = ["https://api.example.com/read"]
AllowedOAuthFlowsUserPoolClient = true

[[UserPool.Domain]]
Domain = "{name}-login"

[[UserPool.Group]]
GroupName = "admins"
Description = "{description}"
Precedence = 1
'''


@pytest.fixture
def deployment(fresh_store, launch, tmp_path):
    """A running server on a fresh store, a config directory with IdP metadata, a pool name."""
    store = fresh_store()
    srv = launch(store)
    (tmp_path / "idp").mkdir()
    idp = SamlTestIdP()
    (tmp_path / "idp" / "corp.xml").write_text(idp.metadata())
    return store, make_client(srv.url), tmp_path, unique("app"), idp


def pool_by_name(c, name: str) -> str | None:
    pools, _ = all_pages(c.list_user_pools, "UserPools", "NextToken", MaxResults=60)
    ids = [p["Id"] for p in pools if p["Name"] == name]
    assert len(ids) <= 1
    return ids[0] if ids else None


def clients_by_name(c, pool: str) -> dict:
    listed, _ = all_pages(c.list_user_pool_clients, "UserPoolClients", "NextToken", UserPoolId=pool, MaxResults=60)
    return {
        x["ClientName"]: c.describe_user_pool_client(UserPoolId=pool, ClientId=x["ClientId"])["UserPoolClient"]
        for x in listed
    }


def snapshot(c) -> dict:
    """Everything the admin API shows about every pool."""
    pools, _ = all_pages(c.list_user_pools, "UserPools", "NextToken", MaxResults=60)
    out = {}
    for p in pools:
        pid = p["Id"]
        providers = c.list_identity_providers(UserPoolId=pid, MaxResults=60)["Providers"]
        out[pid] = {
            "pool": c.describe_user_pool(UserPoolId=pid)["UserPool"],
            "clients": clients_by_name(c, pid),
            "providers": {
                x["ProviderName"]: c.describe_identity_provider(UserPoolId=pid, ProviderName=x["ProviderName"])["IdentityProvider"]
                for x in providers
            },
            "resource_servers": c.list_resource_servers(UserPoolId=pid, MaxResults=50)["ResourceServers"],
            "groups": c.list_groups(UserPoolId=pid)["Groups"],
        }
    return out


def test_apply_creates_what_the_file_declares_and_is_idempotent(deployment):
    store, c, d, name, idp = deployment
    path = d / "cirrus.toml"
    path.write_text(config(name))

    dry = apply(store, path, "--dry-run")
    assert dry.returncode == 2, dry.stdout + dry.stderr
    assert f'user pool "{name}": create' in dry.stdout
    assert pool_by_name(c, name) is None, "a dry run must not create anything"

    first = apply(store, path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "applied: 7 change(s)" in first.stdout
    pool = pool_by_name(c, name)
    assert pool and f"Id {pool}" in first.stdout

    desc = c.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert desc["UsernameConfiguration"] == {"CaseSensitive": False}
    assert desc["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    assert desc["Domain"] == f"{name}-login"
    schema = {a["Name"]: a for a in desc["SchemaAttributes"]}
    assert schema["custom:dept"]["StringAttributeConstraints"]["MaxLength"] == "64"
    assert c.list_tags_for_resource(ResourceArn=desc["Arn"])["Tags"] == {"team": "identity"}

    provider = c.describe_identity_provider(UserPoolId=pool, ProviderName="CorpSAML")["IdentityProvider"]
    assert provider["ProviderType"] == "SAML"
    assert provider["ProviderDetails"]["MetadataFile"] == idp.metadata()
    assert provider["ProviderDetails"]["SSORedirectBindingURI"] == idp.sso_url
    assert provider["AttributeMapping"] == {"email": SAML_EMAIL, "custom:dept": "department"}
    assert provider["IdpIdentifiers"] == ["corp.example.com"]

    servers = c.list_resource_servers(UserPoolId=pool, MaxResults=50)["ResourceServers"]
    assert [(s["Identifier"], s["Name"], s["Scopes"]) for s in servers] == [
        ("https://api.example.com", "API", [{"ScopeName": "read", "ScopeDescription": "Read access"}])
    ]

    clients = clients_by_name(c, pool)
    assert set(clients) == {"web", "backend"}
    web = clients["web"]
    assert web["CallbackURLs"] == ["https://app.example.com/cb"]
    assert web["SupportedIdentityProviders"] == ["CorpSAML", "COGNITO"]
    assert web["AccessTokenValidity"] == 60 and web["TokenValidityUnits"]["AccessToken"] == "minutes"
    assert "ClientSecret" not in web
    assert clients["backend"]["ClientSecret"]
    assert f'ClientId {web["ClientId"]}' in first.stdout

    domain = c.describe_user_pool_domain(Domain=f"{name}-login")["DomainDescription"]
    assert domain["UserPoolId"] == pool

    group = c.get_group(UserPoolId=pool, GroupName="admins")["Group"]
    assert group["Description"] == "Administrators" and group["Precedence"] == 1

    before = snapshot(c)
    again = apply(store, path, "--dry-run")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "plan: 0 to create, 0 to update, 0 to delete, 8 unchanged" in again.stdout
    real = apply(store, path)
    assert real.returncode == 0 and "nothing to change" in real.stdout, real.stdout + real.stderr
    assert snapshot(c) == before


def test_dry_run_shows_the_diff_exits_2_and_changes_nothing(deployment):
    store, c, d, name, _ = deployment
    path = d / "cirrus.toml"
    path.write_text(config(name))
    assert apply(store, path).returncode == 0
    pool = pool_by_name(c, name)
    before = snapshot(c)

    path.write_text(config(name, callback="https://new.example.com/cb", description="Admins"))
    dry = apply(store, path, "--dry-run")
    assert dry.returncode == 2, dry.stdout + dry.stderr
    web_id = clients_by_name(c, pool)["web"]["ClientId"]
    assert f'app client "web" ({web_id}): update' in dry.stdout
    assert '~ CallbackURLs: ["https://app.example.com/cb"] → ["https://new.example.com/cb"]' in dry.stdout
    assert 'group "admins": update' in dry.stdout
    assert '~ Description: "Administrators" → "Admins"' in dry.stdout
    assert "plan: 0 to create, 2 to update, 0 to delete, 6 unchanged" in dry.stdout
    assert snapshot(c) == before, "a dry run must not write"

    real = apply(store, path)
    assert real.returncode == 0, real.stdout + real.stderr
    assert clients_by_name(c, pool)["web"]["CallbackURLs"] == ["https://new.example.com/cb"]
    assert c.get_group(UserPoolId=pool, GroupName="admins")["Group"]["Description"] == "Admins"
    assert apply(store, path, "--dry-run").returncode == 0


def test_prune_deletes_what_the_file_does_not_list(deployment):
    store, c, d, name, _ = deployment
    path = d / "cirrus.toml"
    path.write_text(config(name))
    assert apply(store, path).returncode == 0
    pool = pool_by_name(c, name)
    stray = c.create_user_pool_client(UserPoolId=pool, ClientName="stray")["UserPoolClient"]["ClientId"]
    c.create_group(UserPoolId=pool, GroupName="strays")

    kept = apply(store, path, "--dry-run")
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert f'app client "stray" ({stray}): not in file (kept)' in kept.stdout
    assert 'group "strays": not in file (kept)' in kept.stdout

    dry = apply(store, path, "--dry-run", "--prune")
    assert dry.returncode == 2, dry.stdout + dry.stderr
    assert f'app client "stray" ({stray}): delete' in dry.stdout
    assert "plan: 0 to create, 0 to update, 2 to delete" in dry.stdout
    assert "stray" in clients_by_name(c, pool)

    real = apply(store, path, "--prune")
    assert real.returncode == 0, real.stdout + real.stderr
    assert f'deleted app client "stray" ({stray})' in real.stdout
    assert set(clients_by_name(c, pool)) == {"web", "backend"}
    assert [g["GroupName"] for g in c.list_groups(UserPoolId=pool)["Groups"]] == ["admins"]
    assert apply(store, path, "--dry-run", "--prune").returncode == 0


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda t: t.replace('CallbackURLs = ["https://app', 'CallbackUrls = ["https://app'),
            "unknown field `CallbackUrls`",
        ),
        (
            lambda t: t.replace('"custom:dept" = "department"', '"custom:dept" = "department", sub = "uid"'),
            "UserPool \"{name}\" > IdentityProvider \"CorpSAML\" > AttributeMapping: AttributeMapping: 'sub' is immutable",
        ),
        (
            lambda t: t.replace('["CorpSAML", "COGNITO"]', '["CorpSAML", "Okta", "COGNITO"]'),
            "UserPool \"{name}\" > UserPoolClient \"web\" > SupportedIdentityProviders: lists \"Okta\", which is not an identity provider of this pool",
        ),
        (
            lambda t: t.replace("[[UserPool.Schema]]\n", "[[UserPool.Schema]]\nMutable = false\n"),
            "UserPool \"{name}\" > Schema \"dept\": schema attributes cannot change after the pool is created (Mutable: true → false)",
        ),
        (
            # Found by the rehearsal on a scratch copy: the admin API's own rule.
            lambda t: t.replace('CallbackURLs = ["https://app.example.com/cb"]', 'CallbackURLs = ["http://app.example.com/cb"]'),
            "UserPool \"{name}\" > UserPoolClient \"web\": callbackURLs.member: 'http://app.example.com/cb' must use https",
        ),
    ],
    ids=["unknown-field", "mapping-to-immutable", "unknown-provider", "schema-change", "rehearsed-op-rule"],
)
def test_bad_files_fail_precisely_and_change_nothing(deployment, edit, message):
    store, c, d, name, _ = deployment
    path = d / "cirrus.toml"
    path.write_text(config(name))
    assert apply(store, path).returncode == 0
    before = snapshot(c)
    # Also a new pool in the same file: nothing of it may be created either.
    path.write_text(edit(config(name)) + f'\n[[UserPool]]\nPoolName = "{name}-second"\n')
    for flags in (("--dry-run",), ()):
        bad = apply(store, path, *flags)
        assert bad.returncode == 1, bad.stdout + bad.stderr
        assert bad.stderr.startswith(f"cirrus apply: {path}: "), bad.stderr
        assert message.format(name=name) in bad.stderr, bad.stderr
        assert bad.stdout == ""
    assert snapshot(c) == before


def test_unknown_field_reports_its_line(deployment):
    store, c, d, name, _ = deployment
    path = d / "cirrus.toml"
    text = config(name).replace("Precedence = 1", "Precedence = 1\nMembers = [\"alice\"]")
    path.write_text(text)
    line = text.splitlines().index('Members = ["alice"]') + 1
    bad = apply(store, path, "--dry-run")
    assert bad.returncode == 1
    assert f"line {line}" in bad.stderr and "unknown field `Members`" in bad.stderr, bad.stderr
    assert pool_by_name(c, name) is None


def test_export_applies_back_unchanged_and_holds_no_secrets(deployment):
    store, c, d, name, _ = deployment
    path = d / "cirrus.toml"
    path.write_text(config(name))
    assert apply(store, path).returncode == 0
    pool = pool_by_name(c, name)
    # Changes made through the admin API are exported too.
    c.create_group(UserPoolId=pool, GroupName="viewers", Description="Read only")
    c.update_user_pool(UserPoolId=pool, MfaConfiguration="OFF", Policies={"PasswordPolicy": {"MinimumLength": 14}})
    c.create_identity_provider(
        UserPoolId=pool, ProviderName="Google", ProviderType="Google",
        ProviderDetails={"client_id": "gid", "client_secret": "google-secret-value", "authorize_scopes": "openid email"},
    )

    out = run(store, "export", "--name", name)
    assert out.returncode == 0, out.stderr
    secret = clients_by_name(c, pool)["backend"]["ClientSecret"]
    assert secret not in out.stdout
    assert "google-secret-value" not in out.stdout
    assert "PRIVATE KEY" not in out.stdout
    exported = d / "exported.toml"
    exported.write_text(out.stdout)

    back = apply(store, exported, "--dry-run", "--prune")
    assert back.returncode == 0, back.stdout + back.stderr
    assert "0 to create, 0 to update, 0 to delete" in back.stdout
    assert 'group "viewers": unchanged' in back.stdout
    assert 'identity provider "Google": unchanged' in back.stdout

    # By id as well, and the whole store.
    assert run(store, "export", "--pool", pool).stdout == out.stdout
    everything = run(store, "export")
    assert everything.returncode == 0 and f'Id = "{pool}"' in everything.stdout
    missing = run(store, "export", "--name", "no-such-pool")
    assert missing.returncode == 1 and 'no user pool with name "no-such-pool"' in missing.stderr
