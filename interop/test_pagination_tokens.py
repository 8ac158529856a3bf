"""Pagination tokens from elsewhere (forged, truncated, another operation's) never break a list call:
it answers a page or InvalidParameterException, never InternalErrorException."""

import base64

import pytest
from botocore.exceptions import ClientError

from support import unique



def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


TOKENS = {
    "nul": b64(b"\x00"),
    "not-utf8": b64(b"\xff\xfe"),
    "not-base64": "%%%not-base64%%%",
    "arbitrary-text": b64(b"zzzz-not-a-key"),
    "unicode": b64("ü/κ".encode()),
}


@pytest.fixture(scope="module")
def listing_pool(cognito):
    pool = cognito.create_user_pool(PoolName=unique("tokens-"))["UserPool"]["Id"]
    cognito.create_group(UserPoolId=pool, GroupName="g")
    cognito.admin_create_user(UserPoolId=pool, Username="u", MessageAction="SUPPRESS")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="u", GroupName="g")
    return pool


OPERATIONS = {
    "ListUserPools": lambda c, p, t: c.list_user_pools(MaxResults=5, NextToken=t),
    "ListUsers": lambda c, p, t: c.list_users(UserPoolId=p, PaginationToken=t),
    "ListGroups": lambda c, p, t: c.list_groups(UserPoolId=p, NextToken=t),
    "ListUserPoolClients": lambda c, p, t: c.list_user_pool_clients(UserPoolId=p, MaxResults=5, NextToken=t),
    "ListIdentityProviders": lambda c, p, t: c.list_identity_providers(UserPoolId=p, MaxResults=5, NextToken=t),
    "ListResourceServers": lambda c, p, t: c.list_resource_servers(UserPoolId=p, MaxResults=5, NextToken=t),
    "ListUsersInGroup": lambda c, p, t: c.list_users_in_group(UserPoolId=p, GroupName="g", NextToken=t),
    "AdminListGroupsForUser": lambda c, p, t: c.admin_list_groups_for_user(UserPoolId=p, Username="u", NextToken=t),
}


@pytest.mark.parametrize("token", list(TOKENS))
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_foreign_tokens(cognito, listing_pool, backend, request, operation, token):
    try:
        OPERATIONS[operation](cognito, listing_pool, TOKENS[token])
    except ClientError as e:
        assert e.response["Error"]["Code"] == "InvalidParameterException", e
