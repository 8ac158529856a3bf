"""Users and groups through boto3 (spec §2.5, §2.6, §3)."""

import re

import pytest

from support import all_pages, attrs, aws_error, unique

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture
def upool(cognito):
    """A pool with a required email, an immutable given_name and custom attributes."""
    return cognito.create_user_pool(
        PoolName=unique("users-"),
        Schema=[
            {"Name": "email", "Required": True},
            {"Name": "given_name", "Mutable": False},
            {"Name": "dept", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "16"}},
            {"Name": "level", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "1", "MaxValue": "10"}},
            {"Name": "badge", "AttributeDataType": "String", "Mutable": False},
        ],
    )["UserPool"]["Id"]


def create(cognito, pool, username, **attributes):
    return cognito.admin_create_user(
        UserPoolId=pool, Username=username, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": k.replace("__", ":"), "Value": v} for k, v in attributes.items()],
    )["User"]


def test_admin_create_and_get_user(cognito, upool):
    user = create(cognito, upool, "alice", email="alice@example.com", given_name="Alice", custom__dept="eng", custom__level="3")
    assert user["Username"] == "alice"
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert user["Enabled"] is True
    a = attrs(user["Attributes"])
    assert UUID.fullmatch(a["sub"])
    assert a["email"] == "alice@example.com" and a["given_name"] == "Alice"
    assert a["custom:dept"] == "eng" and a["custom:level"] == "3"
    got = cognito.admin_get_user(UserPoolId=upool, Username="alice")
    assert got["Username"] == "alice" and got["Enabled"] is True and got["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert attrs(got["UserAttributes"]) == a
    assert got["UserCreateDate"] == user["UserCreateDate"]
    assert cognito.describe_user_pool(UserPoolId=upool)["UserPool"]["EstimatedNumberOfUsers"] == 1
    with aws_error("UsernameExistsException"):
        create(cognito, upool, "alice", email="other@example.com")
    # Case-sensitive pool (default): another case is another user.
    with aws_error("UserNotFoundException", "User does not exist."):
        cognito.admin_get_user(UserPoolId=upool, Username="Alice")
    create(cognito, upool, "Alice", email="alice2@example.com")
    assert cognito.admin_get_user(UserPoolId=upool, Username="Alice")["Username"] == "Alice"


def test_admin_create_user_without_required_attribute(cognito, upool):
    # Admins may create users without required attributes (spec §3.1).
    user = create(cognito, upool, "noemail")
    assert set(attrs(user["Attributes"])) == {"sub"}


@pytest.mark.parametrize(
    "attributes, message",
    [
        ({"custom__nope": "x"}, "custom:nope"),
        ({"favourite_colour": "x"}, "favourite_colour"),
        ({"custom__dept": "x" * 17}, "custom:dept"),
        ({"name": "x" * 2049}, "2048"),
        ({"custom__level": "eleven"}, "custom:level"),
        ({"custom__level": "11"}, "custom:level"),
        ({"birthdate": "1990-1-1"}, "birthdate"),
        ({"email_verified": "yes"}, "email_verified"),
        ({"phone_number": "555-1234"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"sub": "0b1f4bd0-2a5c-4c0e-9a70-2b0d2c1c1f00"}, "sub"),
    ],
    ids=["unknown-custom", "unknown-standard", "too-long-for-schema", "over-2048", "nan", "over-max", "birthdate",
         "boolean", "phone", "email", "sub"],
)
def test_admin_create_user_schema_checks(cognito, upool, attributes, message):
    username = unique("u")
    with aws_error("InvalidParameterException", message):
        create(cognito, upool, username, **attributes)
    with aws_error("UserNotFoundException"):
        cognito.admin_get_user(UserPoolId=upool, Username=username)


def test_admin_create_user_parameter_checks(cognito, upool):
    with aws_error("InvalidParameterException", "username"):
        create(cognito, upool, "has space")
    with aws_error("InvalidParameterException", "username"):
        create(cognito, upool, "x" * 129)
    with aws_error("InvalidParameterException", "messageAction"):
        cognito.admin_create_user(UserPoolId=upool, Username="m", MessageAction="SHOUT")
    with aws_error("ResourceNotFoundException"):
        create(cognito, "us-east-1_Missing00", "x")
    # RESEND is for an existing user.
    with aws_error("UserNotFoundException"):
        cognito.admin_create_user(UserPoolId=upool, Username="ghost", MessageAction="RESEND")


def test_admin_get_user_unknown(cognito, upool):
    with aws_error("UserNotFoundException", "User does not exist."):
        cognito.admin_get_user(UserPoolId=upool, Username="nobody")
    with aws_error("ResourceNotFoundException"):
        cognito.admin_get_user(UserPoolId="us-east-1_Missing00", Username="nobody")


def test_admin_update_user_attributes(cognito, upool):
    create(cognito, upool, "bob", email="bob@example.com", given_name="Bob", custom__badge="B1")
    cognito.admin_update_user_attributes(
        UserPoolId=upool, Username="bob",
        UserAttributes=[{"Name": "family_name", "Value": "Builder"}, {"Name": "custom:dept", "Value": "ops"}, {"Name": "email", "Value": "bob@new.example.com"}],
    )
    a = attrs(cognito.admin_get_user(UserPoolId=upool, Username="bob")["UserAttributes"])
    assert a["family_name"] == "Builder" and a["custom:dept"] == "ops" and a["email"] == "bob@new.example.com"
    for name, value in [("given_name", "Robert"), ("custom:badge", "B2")]:
        with aws_error("InvalidParameterException", name):
            cognito.admin_update_user_attributes(UserPoolId=upool, Username="bob", UserAttributes=[{"Name": name, "Value": value}])
    with aws_error("InvalidParameterException", "sub"):
        cognito.admin_update_user_attributes(UserPoolId=upool, Username="bob", UserAttributes=[{"Name": "sub", "Value": "x"}])
    with aws_error("InvalidParameterException", "custom:nope"):
        cognito.admin_update_user_attributes(UserPoolId=upool, Username="bob", UserAttributes=[{"Name": "custom:nope", "Value": "x"}])
    with aws_error("UserNotFoundException"):
        cognito.admin_update_user_attributes(UserPoolId=upool, Username="nobody", UserAttributes=[{"Name": "name", "Value": "x"}])
    after = attrs(cognito.admin_get_user(UserPoolId=upool, Username="bob")["UserAttributes"])
    assert after == a, "a refused update changed the user"


def test_admin_delete_user_attributes(cognito, upool):
    create(cognito, upool, "carol", email="carol@example.com", family_name="C", custom__dept="hr")
    cognito.admin_delete_user_attributes(UserPoolId=upool, Username="carol", UserAttributeNames=["family_name", "custom:dept"])
    a = attrs(cognito.admin_get_user(UserPoolId=upool, Username="carol")["UserAttributes"])
    assert "family_name" not in a and "custom:dept" not in a and a["email"] == "carol@example.com"
    with aws_error("InvalidParameterException", "email"):
        cognito.admin_delete_user_attributes(UserPoolId=upool, Username="carol", UserAttributeNames=["email"])
    with aws_error("InvalidParameterException", "sub"):
        cognito.admin_delete_user_attributes(UserPoolId=upool, Username="carol", UserAttributeNames=["sub"])
    assert attrs(cognito.admin_get_user(UserPoolId=upool, Username="carol")["UserAttributes"]) == a


@pytest.fixture
def directory(cognito):
    pool = cognito.create_user_pool(PoolName=unique("dir-"))["UserPool"]["Id"]
    people = [
        ("jdoe", "john.doe@example.com", "John", "Doe"),
        ("jsmith", "jane.smith@example.com", "Jane", "Smith"),
        ("jsmithers", "j.smithers@corp.example", "Waylon", "Smithers"),
        ("mburns", "monty@corp.example", "Charles", "Burns"),
        ('quo"te', "quote@example.com", "Quote", "Mark"),
    ]
    for username, email, given, family in people:
        create(cognito, pool, username, email=email, given_name=given, family_name=family)
    return pool


def usernames(out):
    return sorted(u["Username"] for u in out["Users"])


@pytest.mark.parametrize(
    "filter_, expected",
    [
        ('username = "jsmith"', ["jsmith"]),
        ('username ^= "jsmith"', ["jsmith", "jsmithers"]),
        ('username ^= "j"', ["jdoe", "jsmith", "jsmithers"]),
        ('username = "JSMITH"', []),
        ('email = "monty@corp.example"', ["mburns"]),
        ('email ^= "j"', ["jdoe", "jsmith", "jsmithers"]),
        ('given_name = "Jane"', ["jsmith"]),
        ('family_name ^= "Smith"', ["jsmith", "jsmithers"]),
        ('username = "quo\\"te"', ['quo"te']),
        ('username="jdoe"', ["jdoe"]),
        ('status = "Enabled"', ["jdoe", "jsmith", "jsmithers", "mburns", 'quo"te']),
        ('cognito:user_status = "FORCE_CHANGE_PASSWORD"', ["jdoe", "jsmith", "jsmithers", "mburns", 'quo"te']),
        ("", ["jdoe", "jsmith", "jsmithers", "mburns", 'quo"te']),
    ],
)
def test_list_users_filter(cognito, directory, filter_, expected):
    assert usernames(cognito.list_users(UserPoolId=directory, Filter=filter_)) == expected


def test_list_users_filter_by_sub(cognito, directory):
    sub = attrs(cognito.admin_get_user(UserPoolId=directory, Username="mburns")["UserAttributes"])["sub"]
    assert usernames(cognito.list_users(UserPoolId=directory, Filter=f'sub = "{sub}"')) == ["mburns"]


@pytest.mark.parametrize(
    "filter_, message",
    [
        ('custom:dept = "x"', "Invalid search attribute"),
        ('nickname = "x"', "Invalid search attribute"),
        ("email", None),
        ('email ~ "x"', None),
        ("email = x", None),
        ('email = "unterminated', None),
        ('email = "a" and name = "b"', None),
        ('status = "Maybe"', None),
        ('username = "' + "x" * 260 + '"', "filter"),
    ],
)
def test_list_users_bad_filter(cognito, directory, filter_, message):
    with aws_error("InvalidParameterException", *([message] if message else [])):
        cognito.list_users(UserPoolId=directory, Filter=filter_)


def test_list_users_attributes_to_get_and_pagination(cognito, directory):
    out = cognito.list_users(UserPoolId=directory, AttributesToGet=["email"], Filter='username = "jdoe"')
    assert out["Users"][0]["Attributes"] == [{"Name": "email", "Value": "john.doe@example.com"}]
    out = cognito.list_users(UserPoolId=directory, AttributesToGet=[], Filter='username = "jdoe"')
    assert out["Users"][0].get("Attributes", []) == []
    items, sizes = all_pages(cognito.list_users, "Users", "PaginationToken", UserPoolId=directory, Limit=2)
    assert sorted(u["Username"] for u in items) == ["jdoe", "jsmith", "jsmithers", "mburns", 'quo"te']
    assert all(s <= 2 for s in sizes) and len(sizes) >= 3
    for u in items:
        assert set(u) >= {"Username", "Attributes", "UserCreateDate", "UserLastModifiedDate", "Enabled", "UserStatus"}
    with aws_error("InvalidParameterException", "limit"):
        cognito.list_users(UserPoolId=directory, Limit=61)


def test_disable_enable_delete_user(cognito, directory):
    cognito.admin_disable_user(UserPoolId=directory, Username="jdoe")
    assert cognito.admin_get_user(UserPoolId=directory, Username="jdoe")["Enabled"] is False
    assert usernames(cognito.list_users(UserPoolId=directory, Filter='status = "Disabled"')) == ["jdoe"]
    cognito.admin_enable_user(UserPoolId=directory, Username="jdoe")
    assert cognito.admin_get_user(UserPoolId=directory, Username="jdoe")["Enabled"] is True
    assert usernames(cognito.list_users(UserPoolId=directory, Filter='status = "Disabled"')) == []
    with aws_error("UserNotFoundException"):
        cognito.admin_disable_user(UserPoolId=directory, Username="nobody")
    cognito.admin_delete_user(UserPoolId=directory, Username="jdoe")
    with aws_error("UserNotFoundException"):
        cognito.admin_get_user(UserPoolId=directory, Username="jdoe")
    with aws_error("UserNotFoundException"):
        cognito.admin_delete_user(UserPoolId=directory, Username="jdoe")
    assert "jdoe" not in usernames(cognito.list_users(UserPoolId=directory))
    # The name may be used again.
    assert create(cognito, directory, "jdoe", email="new@example.com")["Username"] == "jdoe"


def test_case_insensitive_pool(cognito):
    pool = cognito.create_user_pool(PoolName=unique("ci-"), UsernameConfiguration={"CaseSensitive": False})["UserPool"]["Id"]
    create(cognito, pool, "MixedCase", email="Mixed@Example.com")
    got = cognito.admin_get_user(UserPoolId=pool, Username="mixedcase")
    assert got["Username"].lower() == "mixedcase"
    assert cognito.admin_get_user(UserPoolId=pool, Username="MIXEDCASE")["Username"] == got["Username"]
    with aws_error("UsernameExistsException"):
        create(cognito, pool, "MIXEDCASE")
    assert len(cognito.list_users(UserPoolId=pool, Filter='username = "MIXEDCASE"')["Users"]) == 1
    assert len(cognito.list_users(UserPoolId=pool, Filter='email = "mixed@example.com"')["Users"]) == 1
    cognito.admin_update_user_attributes(UserPoolId=pool, Username="mixedCASE", UserAttributes=[{"Name": "name", "Value": "M"}])
    cognito.admin_delete_user(UserPoolId=pool, Username="mIxEdCaSe")
    with aws_error("UserNotFoundException"):
        cognito.admin_get_user(UserPoolId=pool, Username="MixedCase")


def test_username_attributes_email_pool(cognito):
    pool = cognito.create_user_pool(PoolName=unique("email-"), UsernameAttributes=["email"])["UserPool"]["Id"]
    user = create(cognito, pool, "erin@example.com")
    a = attrs(user["Attributes"])
    # The real username is the sub; the email becomes the email attribute.
    assert user["Username"] == a["sub"] and UUID.fullmatch(user["Username"])
    assert a["email"] == "erin@example.com"
    assert cognito.admin_get_user(UserPoolId=pool, Username="erin@example.com")["Username"] == a["sub"]
    with aws_error("UsernameExistsException"):
        create(cognito, pool, "erin@example.com")
    with aws_error("InvalidParameterException"):
        create(cognito, pool, "not-an-email-or-phone")


def test_email_alias_pool_refuses_email_usernames(cognito):
    pool = cognito.create_user_pool(PoolName=unique("alias-"), AliasAttributes=["email"])["UserPool"]["Id"]
    with aws_error("InvalidParameterException", "email"):
        create(cognito, pool, "frank@example.com")


# --- groups --------------------------------------------------------------------------------


def test_group_crud(cognito, pool):
    role = "arn:aws:iam::000000000000:role/admins"
    g = cognito.create_group(UserPoolId=pool, GroupName="admins", Description="Admins", RoleArn=role, Precedence=1)["Group"]
    assert g["GroupName"] == "admins" and g["UserPoolId"] == pool
    assert g["Description"] == "Admins" and g["RoleArn"] == role and g["Precedence"] == 1
    assert cognito.get_group(UserPoolId=pool, GroupName="admins")["Group"] == g
    with aws_error("GroupExistsException", "admins"):
        cognito.create_group(UserPoolId=pool, GroupName="admins")
    u = cognito.update_group(UserPoolId=pool, GroupName="admins", Description="Administrators", Precedence=5)["Group"]
    assert u["Description"] == "Administrators" and u["Precedence"] == 5 and u["RoleArn"] == role
    cognito.delete_group(UserPoolId=pool, GroupName="admins")
    with aws_error("ResourceNotFoundException"):
        cognito.get_group(UserPoolId=pool, GroupName="admins")
    with aws_error("ResourceNotFoundException"):
        cognito.delete_group(UserPoolId=pool, GroupName="admins")
    with aws_error("InvalidParameterException", "description"):
        cognito.create_group(UserPoolId=pool, GroupName="long", Description="d" * 2049)
    with aws_error("InvalidParameterException", "roleArn"):
        cognito.create_group(UserPoolId=pool, GroupName="badrole", RoleArn="not-an-arn-xxxxxxxxxxxxx")


def test_list_groups_pagination(cognito, pool):
    names = {f"g{i}" for i in range(5)}
    for n in names:
        cognito.create_group(UserPoolId=pool, GroupName=n)
    items, sizes = all_pages(cognito.list_groups, "Groups", "NextToken", UserPoolId=pool, Limit=2)
    assert {g["GroupName"] for g in items} == names and len(items) == 5
    assert sizes == [2, 2, 1]


def test_membership(cognito, pool):
    for n in ("readers", "writers", "empty"):
        cognito.create_group(UserPoolId=pool, GroupName=n)
    for u in ("ann", "ben"):
        create(cognito, pool, u)
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="ann", GroupName="readers")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="ann", GroupName="writers")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="ann", GroupName="writers")  # idempotent
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="ben", GroupName="readers")
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username="ann")["Groups"]
    assert sorted(g["GroupName"] for g in groups) == ["readers", "writers"]
    page = cognito.admin_list_groups_for_user(UserPoolId=pool, Username="ann", Limit=1)
    assert len(page["Groups"]) == 1 and page.get("NextToken")
    assert usernames(cognito.list_users_in_group(UserPoolId=pool, GroupName="readers")) == ["ann", "ben"]
    assert usernames(cognito.list_users_in_group(UserPoolId=pool, GroupName="empty")) == []
    with aws_error("UserNotFoundException"):
        cognito.admin_add_user_to_group(UserPoolId=pool, Username="nobody", GroupName="readers")
    with aws_error("ResourceNotFoundException"):
        cognito.admin_add_user_to_group(UserPoolId=pool, Username="ann", GroupName="nogroup")
    with aws_error("ResourceNotFoundException"):
        cognito.list_users_in_group(UserPoolId=pool, GroupName="nogroup")
    with aws_error("UserNotFoundException"):
        cognito.admin_list_groups_for_user(UserPoolId=pool, Username="nobody")
    cognito.admin_remove_user_from_group(UserPoolId=pool, Username="ann", GroupName="readers")
    assert usernames(cognito.list_users_in_group(UserPoolId=pool, GroupName="readers")) == ["ben"]
    # Deleting a user removes its memberships; deleting a group removes it from users.
    cognito.admin_delete_user(UserPoolId=pool, Username="ben")
    assert usernames(cognito.list_users_in_group(UserPoolId=pool, GroupName="readers")) == []
    cognito.delete_group(UserPoolId=pool, GroupName="writers")
    assert cognito.admin_list_groups_for_user(UserPoolId=pool, Username="ann")["Groups"] == []


# --- edges ---------------------------------------------------------------------------------


def test_list_users_attributes_to_get_unknown_attribute(cognito, directory):
    # Observed Cognito answer (aws/aws-sdk-js#2570): "One or more requested attributes do not exist."
    with aws_error("InvalidParameterException", "attributes"):
        cognito.list_users(UserPoolId=directory, AttributesToGet=["custom:nope"])


def test_list_users_status_filter_ignores_case(cognito, directory):
    # cognito:user_status matching is case-insensitive (spec §2.5).
    assert len(cognito.list_users(UserPoolId=directory, Filter='cognito:user_status = "force_change_password"')["Users"]) == 5


def test_case_insensitive_pool_filters(cognito):
    pool = cognito.create_user_pool(PoolName=unique("cif-"), UsernameConfiguration={"CaseSensitive": False})["UserPool"]["Id"]
    create(cognito, pool, "Zoë.Upper", email="Zoe@Example.COM", preferred_username="ZoeU")
    assert usernames(cognito.list_users(UserPoolId=pool, Filter='username = "ZOË.UPPER"')) != []
    assert usernames(cognito.list_users(UserPoolId=pool, Filter='email = "zoe@example.com"')) != []
    assert usernames(cognito.list_users(UserPoolId=pool, Filter='preferred_username = "zoeu"')) != []
    # Other attributes keep their case.
    assert usernames(cognito.list_users(UserPoolId=pool, Filter='username = "nobody"')) == []
    assert usernames(cognito.list_users(UserPoolId=pool, Filter='username ^= "zoë"')) != []
    assert usernames(cognito.list_users(UserPoolId=pool, Filter='email ^= "ZOE@"')) != []


def test_email_username_pool_keeps_emails_unique(cognito):
    pool = cognito.create_user_pool(PoolName=unique("uniq-"), UsernameAttributes=["email"])["UserPool"]["Id"]
    create(cognito, pool, "first@example.com")
    second = create(cognito, pool, "second@example.com")["Username"]
    # Taking another user's email would make sign-in by email ambiguous.
    with aws_error("AliasExistsException"):
        cognito.admin_update_user_attributes(
            UserPoolId=pool, Username=second, UserAttributes=[{"Name": "email", "Value": "first@example.com"}]
        )
    assert attrs(cognito.admin_get_user(UserPoolId=pool, Username=second)["UserAttributes"])["email"] == "second@example.com"


def test_list_users_in_group_pagination(cognito, pool):
    cognito.create_group(UserPoolId=pool, GroupName="many")
    for i in range(5):
        create(cognito, pool, f"m{i}")
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=f"m{i}", GroupName="many")
    items, sizes = all_pages(cognito.list_users_in_group, "Users", "NextToken", UserPoolId=pool, GroupName="many", Limit=2)
    assert sorted(u["Username"] for u in items) == [f"m{i}" for i in range(5)]
    assert sizes == [2, 2, 1]


def test_delete_pool_with_everything_in_it(cognito):
    pool = cognito.create_user_pool(PoolName=unique("full-"))["UserPool"]["Id"]
    cognito.create_group(UserPoolId=pool, GroupName="g")
    create(cognito, pool, "u", email="u@example.com")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="u", GroupName="g")
    cognito.create_resource_server(UserPoolId=pool, Identifier="https://api.example.com", Name="api",
                                   Scopes=[{"ScopeName": "r", "ScopeDescription": "r"}])
    client = cognito.create_user_pool_client(UserPoolId=pool, ClientName="c", GenerateSecret=True)["UserPoolClient"]["ClientId"]
    from support import saml_provider
    saml_provider(cognito, pool, name="Gone", IdpIdentifiers=[f"{pool.lower()}.example"])
    cognito.delete_user_pool(UserPoolId=pool)
    with aws_error("ResourceNotFoundException"):
        cognito.describe_user_pool_client(UserPoolId=pool, ClientId=client)
    with aws_error("ResourceNotFoundException"):
        cognito.list_users(UserPoolId=pool)
    assert pool not in {p["Id"] for p in all_pages(cognito.list_user_pools, "UserPools", "NextToken", MaxResults=60)[0]}


@pytest.mark.parametrize("username", ["名前", "Ünïcødé", "emoji😀user", "a+b=c,d.e@f-g_h", "x" * 128])
def test_unicode_and_long_usernames_round_trip(cognito, pool, username):
    user = create(cognito, pool, username, name="Ωmega ✓")
    assert user["Username"] == username
    got = cognito.admin_get_user(UserPoolId=pool, Username=username)
    assert got["Username"] == username and attrs(got["UserAttributes"])["name"] == "Ωmega ✓"
    escaped = username.replace("\\", "\\\\").replace('"', '\\"')
    assert usernames(cognito.list_users(UserPoolId=pool, Filter=f'username = "{escaped}"')) == [username]


@pytest.mark.parametrize("value", ["tab\tand\nnewline", "\u202eright-to-left", "back\\slash \"quoted\""])
def test_odd_attribute_values_round_trip(cognito, pool, value):
    name = unique("odd")
    create(cognito, pool, name, name=value)
    assert attrs(cognito.admin_get_user(UserPoolId=pool, Username=name)["UserAttributes"])["name"] == value


def test_attribute_listed_twice(cognito, pool):
    with aws_error("InvalidParameterException", "name"):
        cognito.admin_create_user(UserPoolId=pool, Username="twice", MessageAction="SUPPRESS",
                                  UserAttributes=[{"Name": "name", "Value": "a"}, {"Name": "name", "Value": "b"}])


def test_email_alias_lookup_needs_a_verified_email(cognito):
    pool = cognito.create_user_pool(PoolName=unique("alias-"), AliasAttributes=["email", "preferred_username"])["UserPool"]["Id"]
    create(cognito, pool, "verified", email="v@example.com", email_verified="true", preferred_username="vee")
    create(cognito, pool, "unverified", email="u@example.com")
    assert cognito.admin_get_user(UserPoolId=pool, Username="v@example.com")["Username"] == "verified"
    assert cognito.admin_get_user(UserPoolId=pool, Username="vee")["Username"] == "verified"
    with aws_error("UserNotFoundException"):
        cognito.admin_get_user(UserPoolId=pool, Username="u@example.com")


def test_email_alias_is_unique(cognito):
    pool = cognito.create_user_pool(PoolName=unique("alias-"), AliasAttributes=["email"])["UserPool"]["Id"]
    create(cognito, pool, "first", email="same@example.com", email_verified="true")
    with aws_error("AliasExistsException"):
        create(cognito, pool, "second", email="same@example.com", email_verified="true")


def test_phone_username_pool(cognito):
    pool = cognito.create_user_pool(PoolName=unique("phone-"), UsernameAttributes=["phone_number"])["UserPool"]["Id"]
    user = create(cognito, pool, "+15555550100")
    a = attrs(user["Attributes"])
    assert user["Username"] == a["sub"] and a["phone_number"] == "+15555550100"
    assert cognito.admin_get_user(UserPoolId=pool, Username="+15555550100")["Username"] == a["sub"]
    with aws_error("InvalidParameterException"):
        create(cognito, pool, "someone@example.com")
