//! Hosted-UI domains: Create/Describe/Update/DeleteUserPoolDomain.

use serde::Deserialize;

use super::Cirrus;
use crate::error::{Error, Result};
use crate::model::domain::PoolDomain;
use crate::validate;

/// `CustomDomainConfigType`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomDomainConfig {
    pub certificate_arn: Option<String>,
}

/// Create/UpdateUserPoolDomain's input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DomainRequest {
    pub domain: Option<String>,
    pub user_pool_id: Option<String>,
    pub managed_login_version: Option<i64>,
    pub custom_domain_config: Option<CustomDomainConfig>,
}

fn check_prefix(domain: &str) -> Result<()> {
    validate::string(domain, "domain", 1, 63, &validate::DOMAIN)?;
    for word in ["aws", "amazon", "cognito"] {
        if domain.contains(word) {
            return Err(Error::invalid(format!(
                "Domain {domain} is reserved: a prefix domain may not contain 'aws', 'amazon' or 'cognito'."
            )));
        }
    }
    Ok(())
}

fn check_custom(domain: &str) -> Result<()> {
    let ok = domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "Custom domain '{domain}' is not a valid lower-case DNS name such as auth.example.com."
        )))
    }
}

fn check_version(v: Option<i64>) -> Result<()> {
    if let Some(v) = v {
        validate::range(v, "managedLoginVersion", 1, 2)?;
    }
    Ok(())
}

impl Cirrus {
    /// The host a custom domain's DNS should point at: this deployment's public host.
    pub fn alias_target(&self) -> String {
        url::Url::parse(&self.config.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| self.config.public_url.clone())
    }

    /// CreateUserPoolDomain: a prefix domain, or a custom domain with a certificate ARN.
    pub async fn create_domain(&self, req: DomainRequest) -> Result<PoolDomain> {
        let domain = validate::required(&req.domain, "domain")?.clone();
        let pool_id = validate::required(&req.user_pool_id, "userPoolId")?;
        check_version(req.managed_login_version)?;
        let certificate_arn = match &req.custom_domain_config {
            Some(c) => {
                let arn =
                    validate::required(&c.certificate_arn, "customDomainConfig.certificateArn")?;
                validate::string(
                    arn,
                    "customDomainConfig.certificateArn",
                    20,
                    2048,
                    &validate::ARN,
                )?;
                check_custom(&domain)?;
                Some(arn.clone())
            }
            None => {
                check_prefix(&domain)?;
                None
            }
        };
        self.pool(pool_id).await?;
        let existing = self.store.pool_domains(pool_id).await?;
        if let Some(d) = existing
            .iter()
            .find(|d| d.is_custom() == certificate_arn.is_some())
        {
            let kind = if d.is_custom() { "custom" } else { "prefix" };
            return Err(Error::invalid(format!(
                "User pool {pool_id} already has the {kind} domain {}; delete it first.",
                d.domain
            )));
        }
        let now = self.timestamp();
        let record = PoolDomain {
            domain: domain.clone(),
            user_pool_id: pool_id.clone(),
            certificate_arn,
            managed_login_version: Some(req.managed_login_version.unwrap_or(1)),
            creation_date: now,
            last_modified_date: now,
        };
        match self.store.create_domain(&record).await {
            Ok(()) => Ok(record),
            Err(crate::store::StoreError::Conflict(_)) => Err(Error::invalid(format!(
                "Domain {domain} is already associated with another user pool."
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// DescribeUserPoolDomain: `None` when the domain is not registered (Cognito answers with an
    /// empty description, which tools use as an availability check).
    pub async fn describe_domain(&self, domain: &str) -> Result<Option<PoolDomain>> {
        validate::length(domain, "domain", 1, 253)?;
        Ok(self.store.get_domain(domain).await?)
    }

    async fn owned_domain(&self, domain: &str, pool_id: &str) -> Result<PoolDomain> {
        self.pool(pool_id).await?;
        match self.store.get_domain(domain).await? {
            Some(d) if d.user_pool_id == pool_id => Ok(d),
            _ => Err(Error::ResourceNotFound(format!(
                "Domain {domain} does not exist in user pool {pool_id}."
            ))),
        }
    }

    /// UpdateUserPoolDomain: a new certificate for a custom domain, or a new managed login version.
    pub async fn update_domain(&self, req: DomainRequest) -> Result<PoolDomain> {
        let domain = validate::required(&req.domain, "domain")?;
        let pool_id = validate::required(&req.user_pool_id, "userPoolId")?;
        check_version(req.managed_login_version)?;
        let mut record = self.owned_domain(domain, pool_id).await?;
        if let Some(c) = &req.custom_domain_config {
            let arn = validate::required(&c.certificate_arn, "customDomainConfig.certificateArn")?;
            validate::string(
                arn,
                "customDomainConfig.certificateArn",
                20,
                2048,
                &validate::ARN,
            )?;
            if !record.is_custom() {
                return Err(Error::invalid(format!(
                    "Domain {domain} is a prefix domain; only custom domains take a certificate."
                )));
            }
            record.certificate_arn = Some(arn.clone());
        }
        if let Some(v) = req.managed_login_version {
            record.managed_login_version = Some(v);
        }
        record.last_modified_date = self.timestamp();
        self.store.put_domain(&record).await?;
        Ok(record)
    }

    /// DeleteUserPoolDomain.
    pub async fn delete_domain(&self, domain: &str, pool_id: &str) -> Result<()> {
        self.owned_domain(domain, pool_id).await?;
        self.store.delete_domain(domain).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_and_custom_rules() {
        assert!(check_prefix("my-app").is_ok());
        assert!(check_prefix("my-cognito-app").is_err());
        assert!(check_prefix("awsome").is_err());
        assert!(check_prefix("My-App").is_err());
        assert!(check_custom("auth.example.com").is_ok());
        assert!(check_custom("localhost").is_err());
        assert!(check_custom("bad..example.com").is_err());
        assert!(check_custom("-x.example.com").is_err());
    }
}
