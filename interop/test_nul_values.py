"""Free-text members with a NUL character: stored and returned as sent, or refused with
InvalidParameterException, never an InternalErrorException (PostgreSQL TEXT cannot hold NUL)."""

import pytest
from botocore.exceptions import ClientError

from support import attrs, unique

NUL = "before\u0000after"



def _attribute(c, pool):
    name = unique("nul")
    c.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS", UserAttributes=[{"Name": "name", "Value": NUL}])
    return attrs(c.admin_get_user(UserPoolId=pool, Username=name)["UserAttributes"])["name"]


def _group_description(c, pool):
    c.create_group(UserPoolId=pool, GroupName="nul-group", Description=NUL)
    return c.get_group(UserPoolId=pool, GroupName="nul-group")["Group"]["Description"]


def _tag_value(c, pool):
    arn = c.describe_user_pool(UserPoolId=pool)["UserPool"]["Arn"]
    c.tag_resource(ResourceArn=arn, Tags={"k": NUL})
    return c.list_tags_for_resource(ResourceArn=arn)["Tags"]["k"]


def _scope_description(c, pool):
    c.create_resource_server(UserPoolId=pool, Identifier="https://nul.example.com", Name="n",
                             Scopes=[{"ScopeName": "s", "ScopeDescription": NUL}])
    return c.describe_resource_server(UserPoolId=pool, Identifier="https://nul.example.com")["ResourceServer"]["Scopes"][0]["ScopeDescription"]


def _mapping_value(c, pool):
    c.create_identity_provider(
        UserPoolId=pool, ProviderName="NulOidc", ProviderType="OIDC", AttributeMapping={"email": NUL},
        ProviderDetails={"client_id": "c", "authorize_scopes": "openid", "oidc_issuer": "https://issuer.example.com"},
    )
    return c.describe_identity_provider(UserPoolId=pool, ProviderName="NulOidc")["IdentityProvider"]["AttributeMapping"]["email"]


CASES = {"user-attribute": _attribute, "group-description": _group_description, "tag-value": _tag_value,
         "scope-description": _scope_description, "attribute-mapping": _mapping_value}


@pytest.mark.parametrize("case", list(CASES))
def test_nul_is_stored_or_refused(cognito, pool, backend, request, case):
    try:
        value = CASES[case](cognito, pool)
    except ClientError as e:
        assert e.response["Error"]["Code"] == "InvalidParameterException", e
        return
    assert value == NUL
