//! CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool, ListUserPools,
//! AddCustomAttributes, GetSigningCertificate and the tag operations.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Cirrus, page_size, token};
use crate::error::{Error, Result};
use crate::ids;
use crate::model::schema::{Schema, SchemaAttribute};
use crate::model::user_pool::{PoolSettings, UserPool, UsernameConfiguration, validate_tags};
use crate::store::PoolSigningKey;
use crate::validate;

/// CreateUserPool's input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateUserPool {
    pub pool_name: Option<String>,
    #[serde(default)]
    pub schema: Vec<SchemaAttribute>,
    pub alias_attributes: Option<Vec<String>>,
    pub username_attributes: Option<Vec<String>>,
    pub username_configuration: Option<UsernameConfiguration>,
    #[serde(flatten)]
    pub settings: PoolSettings,
}

/// UpdateUserPool's input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateUserPool {
    pub user_pool_id: Option<String>,
    pub pool_name: Option<String>,
    #[serde(flatten)]
    pub settings: PoolSettings,
}

/// A pool as Describe shows it: the record plus members computed at read time.
#[derive(Debug, Clone)]
pub struct PoolView {
    pub pool: UserPool,
    pub domain: Option<String>,
    pub custom_domain: Option<String>,
    pub estimated_users: usize,
}

fn check_pool_name(name: &str) -> Result<()> {
    validate::string(name, "poolName", 1, 128, &validate::NAME)
}

fn check_sign_in_attributes(req: &CreateUserPool) -> Result<()> {
    for a in req.alias_attributes.iter().flatten() {
        validate::one_of(
            a,
            "aliasAttributes.member",
            &["phone_number", "email", "preferred_username"],
        )?;
    }
    for a in req.username_attributes.iter().flatten() {
        validate::one_of(a, "usernameAttributes.member", &["phone_number", "email"])?;
    }
    let aliases = req.alias_attributes.as_ref().is_some_and(|a| !a.is_empty());
    let usernames = req
        .username_attributes
        .as_ref()
        .is_some_and(|a| !a.is_empty());
    if aliases && usernames {
        return Err(Error::invalid(
            "AliasAttributes and UsernameAttributes cannot be set together: pick one way for users to sign in.",
        ));
    }
    if let Some(c) = &req.username_configuration
        && c.case_sensitive.is_none()
    {
        return Err(validate::missing("usernameConfiguration.caseSensitive"));
    }
    Ok(())
}

impl Cirrus {
    /// CreateUserPool: a new pool with its schema, defaults and SAML signing certificate.
    pub async fn create_user_pool(&self, req: CreateUserPool) -> Result<PoolView> {
        let name = validate::required(&req.pool_name, "poolName")?;
        check_pool_name(name)?;
        check_sign_in_attributes(&req)?;
        req.settings.validate()?;
        let schema = Schema::for_new_pool(&req.schema)?;
        let now = self.timestamp();
        let id = ids::user_pool_id(&self.config.region);
        let pool = UserPool {
            arn: ids::pool_arn(&self.config.region, &self.config.account_id, &id),
            id: id.clone(),
            name: name.clone(),
            creation_date: now,
            last_modified_date: now,
            schema_attributes: schema,
            alias_attributes: req.alias_attributes.clone().filter(|a| !a.is_empty()),
            username_attributes: req.username_attributes.clone().filter(|a| !a.is_empty()),
            username_configuration: req.username_configuration,
            settings: req.settings.with_defaults(),
        };
        let (certificate, private_key_sealed) = self.vault.new_signing_identity(
            &format!("urn:amazon:cognito:sp:{id}"),
            &signing_key_aad(&id),
            now.0,
        )?;
        let key = PoolSigningKey {
            pool_id: id.clone(),
            certificate,
            private_key_sealed,
            created: now.0,
        };
        self.store.create_pool(&pool, &key).await?;
        Ok(PoolView {
            pool,
            domain: None,
            custom_domain: None,
            estimated_users: 0,
        })
    }

    /// DescribeUserPool.
    pub async fn describe_user_pool(&self, pool_id: &str) -> Result<PoolView> {
        let pool = self.pool(pool_id).await?;
        self.view(pool).await
    }

    async fn view(&self, pool: UserPool) -> Result<PoolView> {
        let domains = self.store.pool_domains(&pool.id).await?;
        let domain = domains
            .iter()
            .find(|d| !d.is_custom())
            .map(|d| d.domain.clone());
        let custom_domain = domains
            .iter()
            .find(|d| d.is_custom())
            .map(|d| d.domain.clone());
        let estimated_users = self.store.count_users(&pool.id).await?;
        Ok(PoolView {
            pool,
            domain,
            custom_domain,
            estimated_users,
        })
    }

    /// UpdateUserPool: replaces the settable configuration; omitted members return to defaults.
    pub async fn update_user_pool(&self, req: UpdateUserPool) -> Result<()> {
        let pool_id = validate::required(&req.user_pool_id, "userPoolId")?;
        self.pool(pool_id).await?;
        if let Some(name) = &req.pool_name {
            check_pool_name(name)?;
        }
        req.settings.validate()?;
        let mut settings = req.settings.with_defaults();
        let name = req.pool_name.clone();
        let now = self.timestamp();
        self.store
            .update_pool(
                pool_id,
                Box::new(move |pool| {
                    if let Some(name) = name {
                        pool.name = name;
                    }
                    // Tags are managed by TagResource too; an update without UserPoolTags keeps them.
                    if settings
                        .user_pool_tags
                        .as_ref()
                        .is_none_or(BTreeMap::is_empty)
                        && pool.settings.user_pool_tags.is_some()
                    {
                        settings.user_pool_tags = pool.settings.user_pool_tags.clone();
                    }
                    pool.settings = settings;
                    pool.last_modified_date = now;
                    Ok(())
                }),
            )
            .await?;
        Ok(())
    }

    /// DeleteUserPool: refused while deletion protection is on or a domain is attached.
    pub async fn delete_user_pool(&self, pool_id: &str) -> Result<()> {
        let pool = self.pool(pool_id).await?;
        if pool.settings.deletion_protection.as_deref() == Some("ACTIVE") {
            return Err(Error::invalid(format!(
                "The user pool {pool_id} cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first."
            )));
        }
        if let Some(d) = self.store.pool_domains(pool_id).await?.first() {
            return Err(Error::invalid(format!(
                "The user pool {pool_id} still has the domain {} attached; delete the domain first.",
                d.domain
            )));
        }
        self.store.delete_pool(pool_id).await?;
        Ok(())
    }

    /// ListUserPools: one page and the token of the next.
    pub async fn list_user_pools(
        &self,
        max_results: Option<i64>,
        next: Option<&String>,
    ) -> Result<(Vec<UserPool>, Option<String>)> {
        let Some(max) = max_results else {
            return Err(validate::missing("maxResults"));
        };
        let limit = page_size(Some(max), "maxResults", 1, 60)?;
        let after = token::decode(next)?;
        let page = self.store.list_pools(limit, after.as_deref()).await?;
        Ok((page.items, token::encode(page.next)))
    }

    /// AddCustomAttributes.
    pub async fn add_custom_attributes(
        &self,
        pool_id: &str,
        attributes: &[SchemaAttribute],
    ) -> Result<()> {
        self.pool(pool_id).await?;
        let attributes = attributes.to_vec();
        let now = self.timestamp();
        self.store
            .update_pool(
                pool_id,
                Box::new(move |pool| {
                    pool.schema_attributes.add_custom(&attributes)?;
                    pool.last_modified_date = now;
                    Ok(())
                }),
            )
            .await?;
        Ok(())
    }

    /// GetSigningCertificate: the pool's SAML signing certificate, base64 DER.
    pub async fn signing_certificate(&self, pool_id: &str) -> Result<String> {
        self.pool(pool_id).await?;
        let key = self
            .store
            .pool_signing_key(pool_id)
            .await?
            .ok_or_else(|| Error::Internal(format!("pool {pool_id} has no signing key")))?;
        Ok(key.certificate)
    }

    async fn pool_by_arn(&self, arn: &str) -> Result<UserPool> {
        validate::string(arn, "resourceArn", 20, 2048, &validate::ARN)?;
        let pool_id = ids::pool_id_from_arn(arn)
            .ok_or_else(|| Error::ResourceNotFound(format!("Resource {arn} does not exist.")))?;
        let pool =
            self.store.get_pool(pool_id).await?.ok_or_else(|| {
                Error::ResourceNotFound(format!("Resource {arn} does not exist."))
            })?;
        if pool.arn != arn {
            return Err(Error::ResourceNotFound(format!(
                "Resource {arn} does not exist."
            )));
        }
        Ok(pool)
    }

    /// TagResource: adds or replaces tags on a pool.
    pub async fn tag_resource(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<()> {
        let pool = self.pool_by_arn(arn).await?;
        validate_tags(&tags, "tags")?;
        self.store
            .update_pool(
                &pool.id,
                Box::new(move |pool| {
                    let mut all = pool.tags();
                    all.extend(tags);
                    validate_tags(&all, "tags")?;
                    pool.settings.user_pool_tags = Some(all);
                    Ok(())
                }),
            )
            .await?;
        Ok(())
    }

    /// UntagResource: removes tags by key.
    pub async fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<()> {
        let pool = self.pool_by_arn(arn).await?;
        for k in keys {
            validate::length(k, "tagKeys.member", 1, 128)?;
        }
        let keys = keys.to_vec();
        self.store
            .update_pool(
                &pool.id,
                Box::new(move |pool| {
                    let mut all = pool.tags();
                    for k in &keys {
                        all.remove(k);
                    }
                    pool.settings.user_pool_tags = Some(all);
                    Ok(())
                }),
            )
            .await?;
        Ok(())
    }

    /// ListTagsForResource.
    pub async fn list_tags(&self, arn: &str) -> Result<BTreeMap<String, String>> {
        Ok(self.pool_by_arn(arn).await?.tags())
    }
}

/// The additional data that binds a pool's sealed signing key to that pool.
pub fn signing_key_aad(pool_id: &str) -> String {
    format!("pool:{pool_id}:saml-signing")
}
