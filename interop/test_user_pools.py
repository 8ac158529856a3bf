"""User pools through boto3: Create (defaults, schema), Describe, Update, Delete, ListUserPools,
AddCustomAttributes and tags (spec §2.1, §3)."""

import datetime as dt
import re

import pytest

from support import all_pages, aws_error, unique

STANDARD = [
    "sub", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
    "profile", "picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo",
    "locale", "phone_number", "phone_number_verified", "address", "updated_at",
]


def schema_of(pool: dict) -> dict:
    return {a["Name"]: a for a in pool["SchemaAttributes"]}


def test_create_user_pool_defaults(cognito):
    name = unique("defaults-")
    pool = cognito.create_user_pool(PoolName=name)["UserPool"]
    assert re.fullmatch(r"us-east-1_[0-9A-Za-z]{9}", pool["Id"]), pool["Id"]
    assert pool["Name"] == name
    assert pool["Arn"] == f"arn:aws:cognito-idp:us-east-1:000000000000:userpool/{pool['Id']}"
    assert isinstance(pool["CreationDate"], dt.datetime)
    assert isinstance(pool["LastModifiedDate"], dt.datetime)
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((now - pool["CreationDate"]).total_seconds()) < 120
    pw = pool["Policies"]["PasswordPolicy"]
    assert pw["MinimumLength"] == 8
    assert pw["RequireUppercase"] and pw["RequireLowercase"] and pw["RequireNumbers"] and pw["RequireSymbols"]
    assert pw["TemporaryPasswordValidityDays"] == 7
    assert pool["MfaConfiguration"] == "OFF"
    assert pool["DeletionProtection"] == "INACTIVE"
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert pool["AccountRecoverySetting"]["RecoveryMechanisms"] == [
        {"Priority": 1, "Name": "verified_email"},
        {"Priority": 2, "Name": "verified_phone_number"},
    ]
    assert pool["EmailConfiguration"]["EmailSendingAccount"] == "COGNITO_DEFAULT"
    # Absent UsernameConfiguration means case-sensitive (spec §2.1); the server echoes nothing.
    assert "UsernameConfiguration" not in pool
    assert "Domain" not in pool and "CustomDomain" not in pool
    assert pool.get("Status", "Enabled") == "Enabled"
    # SchemaAttributes lists every standard attribute with Cognito's defaults (§3.1).
    schema = schema_of(pool)
    assert [a["Name"] for a in pool["SchemaAttributes"]][: len(STANDARD)] == STANDARD
    assert schema["sub"]["Mutable"] is False and schema["sub"]["Required"] is True
    assert schema["sub"]["StringAttributeConstraints"] == {"MinLength": "1", "MaxLength": "2048"}
    assert schema["email"] == {
        "Name": "email", "AttributeDataType": "String", "DeveloperOnlyAttribute": False,
        "Mutable": True, "Required": False,
        "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "2048"},
    }
    assert schema["birthdate"]["StringAttributeConstraints"] == {"MinLength": "10", "MaxLength": "10"}
    assert schema["email_verified"]["AttributeDataType"] == "Boolean"
    assert schema["phone_number_verified"]["AttributeDataType"] == "Boolean"
    assert schema["updated_at"]["AttributeDataType"] == "Number"
    assert schema["updated_at"]["NumberAttributeConstraints"]["MinValue"] == "0"
    # Describe returns the same record (plus members computed at read time).
    described = cognito.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    for key in ("Id", "Name", "Arn", "Policies", "SchemaAttributes", "MfaConfiguration", "CreationDate"):
        assert described[key] == pool[key], key
    assert described["EstimatedNumberOfUsers"] == 0


def test_create_user_pool_schema_overrides_and_custom_attributes(cognito):
    pool = cognito.create_user_pool(
        PoolName=unique("schema-"),
        Schema=[
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {"Name": "given_name", "Mutable": False},
            {"Name": "name", "StringAttributeConstraints": {"MaxLength": "100"}},
            {"Name": "dept", "AttributeDataType": "String", "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "256"}},
            {"Name": "age", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "150"}},
            {"Name": "flag", "AttributeDataType": "Boolean", "Mutable": False},
            {"Name": "secret", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
        ],
        UsernameConfiguration={"CaseSensitive": False},
        AliasAttributes=["email", "preferred_username"],
    )["UserPool"]
    schema = schema_of(pool)
    assert schema["email"]["Required"] is True and schema["email"]["Mutable"] is True
    assert schema["given_name"]["Mutable"] is False and schema["given_name"]["Required"] is False
    assert schema["name"]["StringAttributeConstraints"]["MaxLength"] == "100"
    assert schema["custom:dept"]["AttributeDataType"] == "String"
    assert schema["custom:dept"]["StringAttributeConstraints"] == {"MinLength": "1", "MaxLength": "256"}
    assert schema["custom:dept"]["Required"] is False and schema["custom:dept"]["Mutable"] is True
    assert schema["custom:age"]["NumberAttributeConstraints"] == {"MinValue": "0", "MaxValue": "150"}
    assert schema["custom:flag"]["AttributeDataType"] == "Boolean" and schema["custom:flag"]["Mutable"] is False
    # [U] developer-only prefix: the server follows moto (dev:custom:<name>).
    assert schema["dev:custom:secret"]["DeveloperOnlyAttribute"] is True
    # Standard attributes keep their place; custom ones follow.
    names = [a["Name"] for a in pool["SchemaAttributes"]]
    assert names[: len(STANDARD)] == STANDARD
    assert set(names[len(STANDARD):]) == {"custom:dept", "custom:age", "custom:flag", "dev:custom:secret"}
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["AliasAttributes"] == ["email", "preferred_username"]
    described = cognito.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described["SchemaAttributes"] == pool["SchemaAttributes"]


@pytest.mark.parametrize(
    "schema, message",
    [
        ([{"Name": "email", "AttributeDataType": "Number"}], "email"),
        ([{"Name": "email", "DeveloperOnlyAttribute": True}], "email"),
        ([{"Name": "dept", "AttributeDataType": "String", "Required": True}], "Required custom attributes are not supported currently."),
        ([{"Name": "dept", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "4096"}}],
         "String attributes cannot have a length of more than 2048"),
        ([{"Name": "a" * 21, "AttributeDataType": "String"}], "length less than or equal to 20"),
        ([{"Name": "dept", "AttributeDataType": "Text"}], "enum value set"),
        ([{"Name": f"c{i}", "AttributeDataType": "String"} for i in range(51)], "schema"),
        ([{"Name": "dept"}, {"Name": "dept"}], "dept"),
    ],
    ids=["standard-type", "standard-devonly", "required-custom", "maxlength", "name-too-long", "bad-type", "51", "twice"],
)
def test_create_user_pool_bad_schema(cognito, schema, message):
    with aws_error("InvalidParameterException", message):
        cognito.create_user_pool(PoolName=unique("bad-"), Schema=schema)


def test_create_user_pool_bad_members(cognito):
    with aws_error("InvalidParameterException", "poolName"):
        cognito.create_user_pool(PoolName="a" * 129)
    with aws_error("InvalidParameterException", "mfaConfiguration"):
        cognito.create_user_pool(PoolName=unique(), MfaConfiguration="SOMETIMES")
    with aws_error("InvalidParameterException", "less than or equal to 99"):
        cognito.create_user_pool(PoolName=unique(), Policies={"PasswordPolicy": {"MinimumLength": 100}})
    with aws_error("InvalidParameterException"):
        cognito.create_user_pool(PoolName=unique(), AliasAttributes=["email"], UsernameAttributes=["email"])


def test_describe_unknown_pool(cognito):
    with aws_error("ResourceNotFoundException", "User pool us-east-1_Nope12345 does not exist."):
        cognito.describe_user_pool(UserPoolId="us-east-1_Nope12345")
    with aws_error("InvalidParameterException", "userPoolId"):
        cognito.describe_user_pool(UserPoolId="no-underscore")


def test_update_user_pool_resets_omitted_members(cognito):
    pool = cognito.create_user_pool(
        PoolName=unique("upd-"),
        DeletionProtection="ACTIVE",
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": False}},
        AutoVerifiedAttributes=["email"],
        MfaConfiguration="OFF",
        EmailVerificationSubject="Your code",
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        UserPoolTags={"team": "identity"},
        Schema=[{"Name": "dept", "AttributeDataType": "String"}],
    )["UserPool"]
    assert pool["DeletionProtection"] == "ACTIVE"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert pool["Policies"]["PasswordPolicy"]["RequireSymbols"] is False
    # Only one member given: everything settable that was left out returns to its default.
    cognito.update_user_pool(UserPoolId=pool["Id"], EmailVerificationMessage="Code: {####}")
    after = cognito.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert after["DeletionProtection"] == "INACTIVE"
    assert after["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert after["Policies"]["PasswordPolicy"]["RequireSymbols"] is True
    assert "AutoVerifiedAttributes" not in after or after["AutoVerifiedAttributes"] == []
    assert "EmailVerificationSubject" not in after
    assert after["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert after["EmailVerificationMessage"] == "Code: {####}"
    # Not settable through UpdateUserPool: name (when omitted), schema, id, creation date.
    assert after["Name"] == pool["Name"]
    assert after["SchemaAttributes"] == pool["SchemaAttributes"]
    assert after["CreationDate"] == pool["CreationDate"]
    assert after["LastModifiedDate"] >= pool["LastModifiedDate"]
    # [U] tags are also managed by TagResource; the server keeps them when UserPoolTags is omitted.
    assert after["UserPoolTags"] == {"team": "identity"}
    # PoolName can be changed.
    cognito.update_user_pool(UserPoolId=pool["Id"], PoolName="renamed-pool")
    assert cognito.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["Name"] == "renamed-pool"


def test_update_user_pool_errors(cognito, pool):
    with aws_error("ResourceNotFoundException", "does not exist"):
        cognito.update_user_pool(UserPoolId="us-east-1_Missing00")
    with aws_error("InvalidParameterException", "deletionProtection"):
        cognito.update_user_pool(UserPoolId=pool, DeletionProtection="MAYBE")
    with aws_error("InvalidParameterException", "smsVerificationMessage"):
        cognito.update_user_pool(UserPoolId=pool, SmsVerificationMessage="no placeholder")


def test_delete_user_pool(cognito):
    pool_id = cognito.create_user_pool(PoolName=unique("del-"))["UserPool"]["Id"]
    cognito.delete_user_pool(UserPoolId=pool_id)
    with aws_error("ResourceNotFoundException", f"User pool {pool_id} does not exist."):
        cognito.describe_user_pool(UserPoolId=pool_id)
    with aws_error("ResourceNotFoundException"):
        cognito.delete_user_pool(UserPoolId=pool_id)


def test_delete_user_pool_refused_with_deletion_protection(cognito):
    pool_id = cognito.create_user_pool(PoolName=unique("prot-"), DeletionProtection="ACTIVE")["UserPool"]["Id"]
    with aws_error("InvalidParameterException", "deletion protection"):
        cognito.delete_user_pool(UserPoolId=pool_id)
    assert cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Id"] == pool_id
    cognito.update_user_pool(UserPoolId=pool_id, DeletionProtection="INACTIVE")
    cognito.delete_user_pool(UserPoolId=pool_id)
    with aws_error("ResourceNotFoundException"):
        cognito.describe_user_pool(UserPoolId=pool_id)


def test_delete_user_pool_refused_with_domain(cognito):
    pool_id = cognito.create_user_pool(PoolName=unique("dom-"))["UserPool"]["Id"]
    domain = unique("del-dom-")
    cognito.create_user_pool_domain(UserPoolId=pool_id, Domain=domain)
    with aws_error("InvalidParameterException", domain):
        cognito.delete_user_pool(UserPoolId=pool_id)
    cognito.delete_user_pool_domain(UserPoolId=pool_id, Domain=domain)
    cognito.delete_user_pool(UserPoolId=pool_id)
    with aws_error("ResourceNotFoundException"):
        cognito.describe_user_pool(UserPoolId=pool_id)


def test_list_user_pools_pagination(cognito):
    created = {cognito.create_user_pool(PoolName=unique("page-"))["UserPool"]["Id"] for _ in range(5)}
    items, sizes = all_pages(cognito.list_user_pools, "UserPools", "NextToken", MaxResults=2)
    ids = [p["Id"] for p in items]
    assert len(ids) == len(set(ids)), "a pool was listed twice"
    assert created <= set(ids)
    assert all(s <= 2 for s in sizes) and len(sizes) >= 3
    # Items are UserPoolDescriptionType: no schema, no policies.
    mine = [p for p in items if p["Id"] in created]
    for p in mine:
        assert set(p) <= {"Id", "Name", "LambdaConfig", "Status", "LastModifiedDate", "CreationDate"}, p
        assert p["Name"].startswith("page-")
        assert isinstance(p["CreationDate"], dt.datetime)
    first = cognito.list_user_pools(MaxResults=2)
    assert len(first["UserPools"]) == 2 and "NextToken" in first


def test_list_user_pools_bad_arguments(cognito):
    with aws_error("InvalidParameterException", "maxResults"):
        cognito.list_user_pools(MaxResults=61)
    with aws_error("InvalidParameterException"):
        cognito.list_user_pools(MaxResults=10, NextToken="!!!not-a-token!!!")


def test_add_custom_attributes(cognito, pool):
    cognito.add_custom_attributes(
        UserPoolId=pool,
        CustomAttributes=[
            {"Name": "team", "AttributeDataType": "String", "Mutable": True, "StringAttributeConstraints": {"MaxLength": "64"}},
            {"Name": "level", "AttributeDataType": "Number"},
        ],
    )
    schema = schema_of(cognito.describe_user_pool(UserPoolId=pool)["UserPool"])
    assert schema["custom:team"]["StringAttributeConstraints"]["MaxLength"] == "64"
    assert schema["custom:level"]["AttributeDataType"] == "Number"
    with aws_error("InvalidParameterException", "custom:team: Existing attribute already has name custom:team."):
        cognito.add_custom_attributes(UserPoolId=pool, CustomAttributes=[{"Name": "team", "AttributeDataType": "String"}])
    with aws_error("InvalidParameterException", "Required custom attributes are not supported currently."):
        cognito.add_custom_attributes(UserPoolId=pool, CustomAttributes=[{"Name": "req", "AttributeDataType": "String", "Required": True}])
    with aws_error("InvalidParameterException", "customAttributes"):
        cognito.add_custom_attributes(
            UserPoolId=pool, CustomAttributes=[{"Name": f"n{i}", "AttributeDataType": "String"} for i in range(26)]
        )
    with aws_error("ResourceNotFoundException"):
        cognito.add_custom_attributes(UserPoolId="us-east-1_Missing00", CustomAttributes=[{"Name": "x", "AttributeDataType": "String"}])
    # Nothing of the refused calls was added.
    names = set(schema_of(cognito.describe_user_pool(UserPoolId=pool)["UserPool"]))
    assert "custom:req" not in names and "custom:n0" not in names


def test_add_custom_attributes_fifty_limit_allows_fifty(cognito):
    pool_id = cognito.create_user_pool(
        PoolName=unique("fifty-"),
        Schema=[{"Name": f"c{i}", "AttributeDataType": "String"} for i in range(48)],
    )["UserPool"]["Id"]
    cognito.add_custom_attributes(
        UserPoolId=pool_id, CustomAttributes=[{"Name": "c48", "AttributeDataType": "String"}, {"Name": "c49", "AttributeDataType": "String"}]
    )
    schema = schema_of(cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"])
    assert sum(1 for n in schema if n.startswith("custom:")) == 50


def test_add_custom_attributes_beyond_fifty_is_invalid_parameter(cognito):
    pool_id = cognito.create_user_pool(
        PoolName=unique("fifty-"),
        Schema=[{"Name": f"c{i}", "AttributeDataType": "String"} for i in range(50)],
    )["UserPool"]["Id"]
    with aws_error("InvalidParameterException", "50"):
        cognito.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=[{"Name": "c50", "AttributeDataType": "String"}])


def test_tags(cognito):
    pool = cognito.create_user_pool(PoolName=unique("tags-"), UserPoolTags={"env": "test"})["UserPool"]
    arn = pool["Arn"]
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "test"}
    cognito.tag_resource(ResourceArn=arn, Tags={"team": "identity", "env": "prod"})
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "prod", "team": "identity"}
    assert cognito.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["UserPoolTags"] == {"env": "prod", "team": "identity"}
    cognito.untag_resource(ResourceArn=arn, TagKeys=["env", "not-there"])
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "identity"}
    with aws_error("InvalidParameterException"):
        cognito.tag_resource(ResourceArn=arn, Tags={"k" * 129: "v"})
    with aws_error("InvalidParameterException"):
        cognito.tag_resource(ResourceArn=arn, Tags={"k": "v" * 257})
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "identity"}


def test_tags_unknown_arn(cognito):
    missing = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_Missing00"
    with aws_error("ResourceNotFoundException"):
        cognito.list_tags_for_resource(ResourceArn=missing)
    with aws_error("ResourceNotFoundException"):
        cognito.tag_resource(ResourceArn=missing, Tags={"a": "b"})
    with aws_error("ResourceNotFoundException"):
        cognito.untag_resource(ResourceArn=missing, TagKeys=["a"])
    with aws_error("InvalidParameterException", "resourceArn"):
        cognito.list_tags_for_resource(ResourceArn="not an arn at all, really")


def test_tags_other_account_arn_is_not_found(cognito, pool):
    arn = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]["Arn"]
    with aws_error("ResourceNotFoundException"):
        cognito.list_tags_for_resource(ResourceArn=arn.replace("000000000000", "123456789012"))


def test_tag_count_limit(cognito):
    pool = cognito.create_user_pool(PoolName=unique("tag50-"), UserPoolTags={f"k{i}": "v" for i in range(50)})["UserPool"]
    with aws_error("InvalidParameterException", "50"):
        cognito.tag_resource(ResourceArn=pool["Arn"], Tags={"one-more": "v"})
    assert len(cognito.list_tags_for_resource(ResourceArn=pool["Arn"])["Tags"]) == 50
