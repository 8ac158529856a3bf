"""Admin changes are audited: every call that changes what an administrator owns (pools, clients,
providers, domains, users, groups, tags) leaves an audit event naming the action, the access
key that signed it (verified by SigV4 from boto3), the request id the SDK saw, and the objects
it touched; reads, refused calls and failed calls leave none; secrets never appear."""

from __future__ import annotations

import json
import subprocess

import pytest
from botocore.exceptions import ClientError

from conftest import cirrus_bin, make_client
from idp import SamlTestIdP
from support import unique

AKID, SECRET = "AKIDAUDITTEST0001", "audit-secret-0123456789abcdef"
OTHER, OTHER_SECRET = "AKIDAUDITTEST0002", "other-secret-0123456789abcdef"


@pytest.fixture
def signed(fresh_store, launch, tmp_path):
    keys = tmp_path / "admin-keys"
    keys.write_text(f"{AKID}:{SECRET}\n{OTHER}:{OTHER_SECRET}\n")
    return launch(fresh_store(), "--admin-keys", str(keys))


def events(server, pool):
    p = subprocess.run([cirrus_bin(), "events", "--pool", pool, "--json", "--limit", "500", *server.store.args()],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return [json.loads(line) for line in p.stdout.splitlines()]


def test_admin_changes_are_audited_with_who_and_what(signed):
    admin = make_client(signed.url, access_key=AKID, secret_key=SECRET)
    other = make_client(signed.url, access_key=OTHER, secret_key=OTHER_SECRET)
    created = admin.create_user_pool(PoolName=unique("audited"))
    pool = created["UserPool"]["Id"]
    client = admin.create_user_pool_client(UserPoolId=pool, ClientName="web", GenerateSecret=True)["UserPoolClient"]
    idp = SamlTestIdP()
    other.create_identity_provider(UserPoolId=pool, ProviderName="Corp", ProviderType="SAML",
                                   ProviderDetails={"MetadataFile": idp.metadata()})
    update = admin.update_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"], ClientName="web2")
    admin.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS",
                            UserAttributes=[{"Name": "email", "Value": "alice@example.test"}])
    admin.create_group(UserPoolId=pool, GroupName="staff")
    admin.admin_add_user_to_group(UserPoolId=pool, Username="alice", GroupName="staff")
    # Reads and failures leave no trace.
    admin.describe_user_pool(UserPoolId=pool)
    admin.list_users(UserPoolId=pool)
    with pytest.raises(ClientError):
        admin.update_user_pool_client(UserPoolId=pool, ClientId="nosuchclient", ClientName="x")
    with pytest.raises(ClientError):
        make_client(signed.url, access_key=AKID, secret_key="wrong").delete_user_pool(UserPoolId=pool)

    seen = [e for e in events(signed, pool) if e["kind"].startswith("admin.")]
    by_action = {e["detail"]["action"]: e for e in seen}
    assert sorted(by_action) == sorted([
        "CreateUserPool", "CreateUserPoolClient", "CreateIdentityProvider", "UpdateUserPoolClient",
        "AdminCreateUser", "CreateGroup", "AdminAddUserToGroup",
    ]), [e["kind"] for e in seen]
    assert len(seen) == 7, "one event per change"
    assert by_action["CreateIdentityProvider"]["detail"]["principal"] == OTHER
    assert all(e["detail"]["principal"] == AKID for a, e in by_action.items() if a != "CreateIdentityProvider")
    assert by_action["CreateUserPoolClient"]["detail"]["target"] == {"ClientName": "web", "ClientId": client["ClientId"]}
    assert by_action["AdminAddUserToGroup"]["detail"]["target"] == {"Username": "alice", "GroupName": "staff"}
    assert by_action["UpdateUserPoolClient"]["detail"]["request_id"] == update["ResponseMetadata"]["RequestId"]
    text = json.dumps(seen)
    for secret in (client["ClientSecret"], "alice@example.test", idp.cert_b64[:40], SECRET):
        assert secret not in text


def test_pool_deletion_is_audited(signed):
    admin = make_client(signed.url, access_key=AKID, secret_key=SECRET)
    pool = admin.create_user_pool(PoolName=unique("gone"))["UserPool"]["Id"]
    admin.delete_user_pool(UserPoolId=pool)
    kinds = [e["kind"] for e in events(signed, pool)]
    assert "admin.DeleteUserPool" in kinds and "admin.CreateUserPool" in kinds
