"""Malformed admin API requests sent without an SDK (spec §1.1, §1.2). After each refused
request the server's state is unchanged."""

import json

import pytest
import requests

from support import TARGET, error_of, pool_ids, raw_call, unique


@pytest.fixture
def unchanged(cognito):
    """Asserts at the end of the test that the set of pools did not change."""
    before = pool_ids(cognito)
    yield
    assert pool_ids(cognito) == before, "a refused request changed the pools"


def expect(response, code, *contains, status=400):
    assert response.status_code == status, (response.status_code, response.text)
    t, message = error_of(response)
    assert t == code, (t, message)
    for part in contains:
        assert part in message, f"{message!r} does not contain {part!r}"
    return message


@pytest.mark.parametrize(
    "body",
    [b'{"PoolName": "x"', b"{PoolName: 'x'}", b"\xff\xfe{}", b'{"PoolName": "x"} trailing', b"null", b'"a string"', b"[1, 2]"],
    ids=["truncated", "not-json", "not-utf8", "trailing", "null", "string", "array"],
)
def test_bad_json_is_serialization_exception(server, unchanged, body):
    expect(raw_call(server.url, "CreateUserPool", body), "SerializationException")


@pytest.mark.parametrize(
    "action, body, member",
    [
        ("CreateUserPool", {"PoolName": 5}, None),
        ("CreateUserPool", {"PoolName": ["a"]}, None),
        ("CreateUserPool", {"PoolName": "p", "Schema": "not-a-list"}, None),
        ("CreateUserPool", {"PoolName": "p", "Policies": []}, None),
        ("CreateUserPool", {"PoolName": "p", "UserPoolTags": {"a": 1}}, None),
        ("CreateUserPool", {"PoolName": "p", "DeletionProtection": True}, None),
        ("ListUserPools", {"MaxResults": "ten"}, "maxResults"),
        ("ListUserPools", {"MaxResults": 1.5}, "maxResults"),
        ("DescribeUserPool", {"UserPoolId": {"id": "x"}}, "userPoolId"),
        ("AdminCreateUser", {"UserPoolId": "us-east-1_abc", "Username": "u", "UserAttributes": [{"Name": 1, "Value": "v"}]}, None),
    ],
    ids=["name-int", "name-list", "schema-string", "policies-list", "tag-int", "enum-bool", "maxresults-string",
         "maxresults-float", "id-object", "attribute-name-int"],
)
def test_wrong_member_types_are_serialization_exception(server, unchanged, action, body, member):
    msg = expect(raw_call(server.url, action, body), "SerializationException")
    if member:
        assert member in msg


@pytest.mark.parametrize(
    "action, body, member",
    [
        ("CreateUserPool", {}, "poolName"),
        ("CreateUserPool", {"PoolName": None}, "poolName"),
        ("ListUserPools", {}, "maxResults"),
        ("DescribeUserPool", {}, "userPoolId"),
        ("CreateUserPoolClient", {"ClientName": "c"}, "userPoolId"),
        ("CreateIdentityProvider", {"UserPoolId": "us-east-1_abc", "ProviderName": "abc", "ProviderType": "SAML"}, "providerDetails"),
        ("AdminGetUser", {"UserPoolId": "us-east-1_abc"}, "username"),
        ("TagResource", {"ResourceArn": "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"}, "tags"),
    ],
)
def test_missing_required_members(server, unchanged, action, body, member):
    msg = expect(raw_call(server.url, action, body), "InvalidParameterException", member)
    assert "Member must not be null" in msg


@pytest.mark.parametrize(
    "action, body, member",
    [
        ("CreateUserPool", {"PoolName": "p" * 129}, "poolName"),
        ("CreateUserPool", {"PoolName": "bad/name"}, "poolName"),
        ("DescribeUserPool", {"UserPoolId": "us-east-1_" + "a" * 60}, "userPoolId"),
        ("CreateUserPool", {"PoolName": "p", "UserPoolTags": {"k": "v" * 257}}, "userPoolTags"),
        ("CreateUserPool", {"PoolName": "p", "SmsVerificationMessage": "x" * 141}, "smsVerificationMessage"),
    ],
)
def test_too_long_or_bad_pattern(server, unchanged, action, body, member):
    msg = expect(raw_call(server.url, action, body), "InvalidParameterException", member)
    assert "failed to satisfy constraint" in msg


def test_unknown_action(server, unchanged):
    expect(raw_call(server.url, "MakeMeASandwich", {}), "UnknownOperationException", "MakeMeASandwich")


def test_wrong_target_prefix(server, unchanged):
    r = raw_call(server.url, None, {"MaxResults": 1}, headers={"X-Amz-Target": "AmazonDynamoDB.ListTables"})
    expect(r, "UnknownOperationException")
    r = raw_call(server.url, None, {"MaxResults": 1}, headers={"X-Amz-Target": TARGET})
    expect(r, "UnknownOperationException")


def test_missing_target(server, unchanged):
    expect(raw_call(server.url, None, {"PoolName": "no-target"}), "UnknownOperationException", "X-Amz-Target")


def test_oversized_body(server, unchanged):
    big = json.dumps({"PoolName": "big", "UserPoolTags": {"k": "v" * (1024 * 1024 + 100)}})
    r = raw_call(server.url, "CreateUserPool", big)
    assert r.status_code == 400, (r.status_code, r.text[:200])
    _, message = error_of(r)
    assert "too large" in message and "1048576" in message
    # The connection-level behaviour is sane too: the server still answers afterwards.
    assert raw_call(server.url, "ListUserPools", {"MaxResults": 1}).status_code == 200


def test_empty_body_is_an_empty_input(server, unchanged):
    expect(raw_call(server.url, "ListUserPools", b""), "InvalidParameterException", "maxResults")


def test_unknown_members_are_ignored(cognito, server):
    before = pool_ids(cognito)
    name = unique("future-")
    r = raw_call(server.url, "CreateUserPool", {"PoolName": name, "SomeFutureMember": {"x": 1}})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-amz-json-1.1")
    assert r.headers.get("x-amzn-requestid")
    pool = r.json()["UserPool"]
    assert pool["Name"] == name and "SomeFutureMember" not in pool
    assert isinstance(pool["CreationDate"], (int, float))  # epoch seconds on the wire
    assert pool_ids(cognito) == before | {pool["Id"]}


def test_empty_output_operations_answer_json(server, cognito):
    pool = cognito.create_user_pool(PoolName=unique("empty-"))["UserPool"]["Id"]
    r = raw_call(server.url, "UpdateUserPool", {"UserPoolId": pool})
    assert r.status_code == 200 and r.json() == {}


def test_get_is_not_the_admin_api(server, unchanged):
    r = requests.get(server.url + "/", headers={"X-Amz-Target": TARGET + "ListUserPools"}, timeout=10)
    assert r.status_code in (404, 405), r.status_code


@pytest.mark.parametrize(
    "body",
    [b'{"PoolName": "\\ud800"}', b'{"PoolName": "p", "Schema": ' + b"[" * 5000 + b"]" * 5000 + b"}"],
    ids=["lone-surrogate", "deep-nesting"],
)
def test_hostile_json(server, unchanged, body):
    r = raw_call(server.url, "CreateUserPool", body)
    assert r.status_code == 400, r.status_code
    t, _ = error_of(r)
    assert t in ("SerializationException", "InvalidParameterException"), t


def test_nul_in_names_never_internal_error(server, cognito, unchanged):
    r = raw_call(server.url, "CreateUserPool", {"PoolName": "nul\u0000pool"})
    assert error_of(r)[0] == "InvalidParameterException"


def test_oversized_chunked_body(server, unchanged):
    """Without a Content-Length the limit still holds."""

    def chunks():
        yield b'{"PoolName": "chunked", "UserPoolTags": {"k": "'
        for _ in range(40):
            yield b"v" * 65536
        yield b'"}}'

    r = requests.post(
        server.url + "/", data=chunks(),
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + "CreateUserPool"}, timeout=30,
    )
    assert r.status_code == 400, r.status_code
    assert "too large" in error_of(r)[1]
