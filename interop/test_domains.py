"""User pool domains through boto3 (spec §2.3)."""

import pytest

from support import aws_error, unique

CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
CERT_ARN2 = "arn:aws:acm:us-east-1:123456789012:certificate/66666666-7777-8888-9999-000000000000"


def test_prefix_domain(cognito, pool):
    domain = unique("login-")
    cognito.create_user_pool_domain(UserPoolId=pool, Domain=domain)
    d = cognito.describe_user_pool_domain(Domain=domain)["DomainDescription"]
    assert d["UserPoolId"] == pool
    assert d["Domain"] == domain
    assert d["Status"] == "ACTIVE"
    assert d["AWSAccountId"] == "000000000000"
    assert "CustomDomainConfig" not in d
    p = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert p["Domain"] == domain and "CustomDomain" not in p
    # A second prefix domain for the same pool is refused.
    with aws_error("InvalidParameterException", domain):
        cognito.create_user_pool_domain(UserPoolId=pool, Domain=unique("second-"))
    cognito.delete_user_pool_domain(UserPoolId=pool, Domain=domain)
    assert cognito.describe_user_pool_domain(Domain=domain)["DomainDescription"] == {}
    assert "Domain" not in cognito.describe_user_pool(UserPoolId=pool)["UserPool"]


def test_unknown_domain_describes_empty(cognito):
    out = cognito.describe_user_pool_domain(Domain=unique("free-"))
    assert out["DomainDescription"] == {}


def test_domain_taken_by_another_pool(cognito, pool):
    other = cognito.create_user_pool(PoolName=unique("other-"))["UserPool"]["Id"]
    domain = unique("taken-")
    cognito.create_user_pool_domain(UserPoolId=pool, Domain=domain)
    with aws_error("InvalidParameterException", domain):
        cognito.create_user_pool_domain(UserPoolId=other, Domain=domain)
    assert cognito.describe_user_pool_domain(Domain=domain)["DomainDescription"]["UserPoolId"] == pool
    # The other pool cannot delete it either.
    with aws_error("ResourceNotFoundException"):
        cognito.delete_user_pool_domain(UserPoolId=other, Domain=domain)
    assert cognito.describe_user_pool_domain(Domain=domain)["DomainDescription"]["UserPoolId"] == pool


@pytest.mark.parametrize("domain", ["my-cognito-login", "awsome-app", "amazonian", "cognito"])
def test_reserved_words_refused(cognito, pool, domain):
    with aws_error("InvalidParameterException", "reserved"):
        cognito.create_user_pool_domain(UserPoolId=pool, Domain=domain)
    assert cognito.describe_user_pool_domain(Domain=domain)["DomainDescription"] == {}


@pytest.mark.parametrize("domain", ["Upper-Case", "under_score", "-leading", "trailing-", "a" * 64, "dots.in.prefix"])
def test_prefix_pattern(cognito, pool, domain):
    with aws_error("InvalidParameterException", "domain"):
        cognito.create_user_pool_domain(UserPoolId=pool, Domain=domain)


def test_domain_for_unknown_pool(cognito):
    with aws_error("ResourceNotFoundException"):
        cognito.create_user_pool_domain(UserPoolId="us-east-1_Missing00", Domain=unique("orphan-"))


def test_custom_domain(cognito, pool):
    domain = f"auth-{unique()}.example.com"
    out = cognito.create_user_pool_domain(UserPoolId=pool, Domain=domain, CustomDomainConfig={"CertificateArn": CERT_ARN})
    assert out["CloudFrontDomain"]  # where the DNS alias should point
    d = cognito.describe_user_pool_domain(Domain=domain)["DomainDescription"]
    assert d["UserPoolId"] == pool and d["Domain"] == domain
    assert d["CustomDomainConfig"] == {"CertificateArn": CERT_ARN}
    assert d["CloudFrontDistribution"] == out["CloudFrontDomain"]
    p = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert p["CustomDomain"] == domain and "Domain" not in p
    # Update: a new certificate.
    cognito.update_user_pool_domain(UserPoolId=pool, Domain=domain, CustomDomainConfig={"CertificateArn": CERT_ARN2})
    d = cognito.describe_user_pool_domain(Domain=domain)["DomainDescription"]
    assert d["CustomDomainConfig"] == {"CertificateArn": CERT_ARN2}
    # A pool may also hold a prefix domain next to its custom domain.
    prefix = unique("both-")
    cognito.create_user_pool_domain(UserPoolId=pool, Domain=prefix)
    p = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert p["CustomDomain"] == domain and p["Domain"] == prefix
    cognito.delete_user_pool_domain(UserPoolId=pool, Domain=domain)
    assert cognito.describe_user_pool_domain(Domain=domain)["DomainDescription"] == {}
    p = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert "CustomDomain" not in p and p["Domain"] == prefix


def test_custom_domain_rules(cognito, pool):
    with aws_error("InvalidParameterException"):
        cognito.create_user_pool_domain(UserPoolId=pool, Domain="localhost", CustomDomainConfig={"CertificateArn": CERT_ARN})
    with aws_error("InvalidParameterException"):
        cognito.create_user_pool_domain(UserPoolId=pool, Domain="bad..example.com", CustomDomainConfig={"CertificateArn": CERT_ARN})
    with aws_error("InvalidParameterException", "certificateArn"):
        cognito.create_user_pool_domain(UserPoolId=pool, Domain="auth.example.org", CustomDomainConfig={"CertificateArn": "not-an-arn-at-all-xx"})


def test_update_prefix_domain(cognito, pool):
    domain = unique("upd-")
    cognito.create_user_pool_domain(UserPoolId=pool, Domain=domain)
    assert cognito.describe_user_pool_domain(Domain=domain)["DomainDescription"].get("ManagedLoginVersion", 1) == 1
    out = cognito.update_user_pool_domain(UserPoolId=pool, Domain=domain, ManagedLoginVersion=2)
    assert out["ManagedLoginVersion"] == 2
    assert cognito.describe_user_pool_domain(Domain=domain)["DomainDescription"]["ManagedLoginVersion"] == 2
    # A prefix domain takes no certificate.
    with aws_error("InvalidParameterException"):
        cognito.update_user_pool_domain(UserPoolId=pool, Domain=domain, CustomDomainConfig={"CertificateArn": CERT_ARN})
    with aws_error("ResourceNotFoundException"):
        cognito.update_user_pool_domain(UserPoolId=pool, Domain=unique("nothere-"), ManagedLoginVersion=2)


def test_custom_domain_taken_by_another_pool(cognito, pool):
    other = cognito.create_user_pool(PoolName=unique("other-"))["UserPool"]["Id"]
    domain = f"auth-{unique()}.example.net"
    cognito.create_user_pool_domain(UserPoolId=pool, Domain=domain, CustomDomainConfig={"CertificateArn": CERT_ARN})
    with aws_error("InvalidParameterException", domain):
        cognito.create_user_pool_domain(UserPoolId=other, Domain=domain, CustomDomainConfig={"CertificateArn": CERT_ARN})
    assert cognito.describe_user_pool_domain(Domain=domain)["DomainDescription"]["UserPoolId"] == pool
