//! Linking external identities to existing users: AdminLinkProviderForUser and
//! AdminDisableProviderForUser, and finding the linked user at sign-in.

use cirrus_saml::Assertion;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Cirrus;
use super::federation::{federated_username, flatten_values};
use crate::error::{Error, Result};
use crate::model::identity_provider::IdentityProvider;
use crate::model::session::IdentityLink;
use crate::model::user::User;
use crate::model::user_pool::UserPool;
use crate::store::StoreError;
use crate::validate;

/// The most external identities one user may have linked.
pub const MAX_LINKS_PER_USER: usize = 5;
/// The attribute name that means "the provider's subject" (NameID for SAML).
pub const SUBJECT: &str = "Cognito_Subject";

/// `ProviderUserIdentifierType`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ProviderUser {
    pub provider_name: Option<String>,
    pub provider_attribute_name: Option<String>,
    pub provider_attribute_value: Option<String>,
}

fn identities_of(user: &User) -> Vec<Value> {
    user.attributes
        .get("identities")
        .and_then(|v| serde_json::from_str::<Vec<Value>>(v).ok())
        .unwrap_or_default()
}

fn set_identities(user: &mut User, identities: Vec<Value>) {
    if identities.is_empty() {
        user.attributes.remove("identities");
    } else {
        user.attributes
            .insert("identities".into(), Value::Array(identities).to_string());
    }
}

impl Cirrus {
    /// AdminLinkProviderForUser: a not-yet-seen external identity signs in as an existing user.
    pub async fn link_provider_for_user(
        &self,
        pool_id: &str,
        destination: &ProviderUser,
        source: &ProviderUser,
    ) -> Result<()> {
        let pool = self.pool(pool_id).await?;
        let dest_provider =
            validate::required(&destination.provider_name, "destinationUser.providerName")?;
        if dest_provider != "Cognito" {
            return Err(Error::invalid(
                "DestinationUser.ProviderName must be \"Cognito\" (an existing user of the pool).",
            ));
        }
        let dest_name = validate::required(
            &destination.provider_attribute_value,
            "destinationUser.providerAttributeValue",
        )?;
        let mut user = self
            .find_user(&pool, dest_name)
            .await?
            .ok_or_else(Error::user_not_found)?;
        let provider_name = validate::required(&source.provider_name, "sourceUser.providerName")?;
        let attribute = source
            .provider_attribute_name
            .clone()
            .unwrap_or_else(|| SUBJECT.to_string());
        let value = validate::required(
            &source.provider_attribute_value,
            "sourceUser.providerAttributeValue",
        )?;
        let provider = self
            .store
            .get_provider(&pool.id, provider_name)
            .await?
            .ok_or_else(|| Error::invalid(format!("SourceUser.ProviderName {provider_name} is not an identity provider of this user pool.")))?;
        if attribute != SUBJECT && !provider.attribute_mapping.contains_key(&attribute) {
            return Err(Error::invalid(format!(
                "SourceUser.ProviderAttributeName must be {SUBJECT} or a user pool attribute that {provider_name} maps; {attribute} is neither."
            )));
        }
        if let Some(immutable) = user.attributes.keys().find(|a| {
            pool.schema_attributes.rules(a).is_some_and(|r| !r.mutable) && a.as_str() != "sub"
        }) {
            return Err(Error::invalid(format!(
                "The destination user has the immutable attribute {immutable}; linked users must have only mutable attributes."
            )));
        }
        if attribute == SUBJECT {
            let own = federated_username(&pool, provider_name, value);
            if own != user.username
                && self
                    .store
                    .get_user(&pool.id, &own, pool.case_insensitive())
                    .await?
                    .is_some()
            {
                return Err(Error::invalid(
                    "Merging is not currently supported, provide a SourceUser that has not been signed up in order to link",
                ));
            }
        }
        if self.store.user_links(&pool.id, &user.username).await?.len() >= MAX_LINKS_PER_USER {
            return Err(Error::LimitExceeded(format!(
                "User {} already has {MAX_LINKS_PER_USER} linked identities.",
                user.username
            )));
        }
        let now = self.now();
        let link = IdentityLink {
            pool_id: pool.id.clone(),
            provider: provider_name.clone(),
            attribute: attribute.clone(),
            value: value.clone(),
            username: user.username.clone(),
            created: now,
        };
        match self.store.add_link(&link).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                return Err(Error::invalid(format!(
                    "The identity {provider_name} {attribute}={value} is already linked to a user."
                )));
            }
            Err(e) => return Err(e.into()),
        }
        let mut identities = identities_of(&user);
        identities.push(json!({
            "userId": value,
            "providerName": provider.provider_name,
            "providerType": provider.provider_type,
            "issuer": Value::Null,
            "primary": false,
            "dateCreated": now,
        }));
        set_identities(&mut user, identities);
        user.modified = self.timestamp();
        self.store.put_user(&user).await?;
        Ok(())
    }

    /// AdminDisableProviderForUser: removes a linked identity, or the provider identity of a
    /// federated user, and revokes the refresh tokens it obtained.
    pub async fn disable_provider_for_user(&self, pool_id: &str, who: &ProviderUser) -> Result<()> {
        let pool = self.pool(pool_id).await?;
        let provider = validate::required(&who.provider_name, "user.providerName")?;
        if provider == "Cognito" {
            return Err(Error::invalid(
                "Disabling password sign-in (ProviderName \"Cognito\") is not supported yet: Cirrus has no native passwords.",
            ));
        }
        let attribute = who
            .provider_attribute_name
            .clone()
            .unwrap_or_else(|| SUBJECT.to_string());
        let value =
            validate::required(&who.provider_attribute_value, "user.providerAttributeValue")?;
        let (mut user, user_id) = match self
            .store
            .remove_link(&pool.id, provider, &attribute, value)
            .await?
        {
            Some(link) => {
                let user = self
                    .store
                    .get_user(&pool.id, &link.username, false)
                    .await?
                    .ok_or_else(Error::user_not_found)?;
                (user, value.clone())
            }
            None if attribute == SUBJECT => {
                let name = federated_username(&pool, provider, value);
                let user = self
                    .store
                    .get_user(&pool.id, &name, pool.case_insensitive())
                    .await?
                    .ok_or_else(Error::user_not_found)?;
                (user, value.clone())
            }
            None => return Err(Error::user_not_found()),
        };
        let identities: Vec<Value> = identities_of(&user)
            .into_iter()
            .filter(|i| {
                !(i.get("providerName").and_then(Value::as_str) == Some(provider.as_str())
                    && i.get("userId").and_then(Value::as_str) == Some(user_id.as_str()))
            })
            .collect();
        set_identities(&mut user, identities);
        user.modified = self.timestamp();
        self.store.put_user(&user).await?;
        self.store
            .revoke_user_tokens(&pool.id, &user.username, Some(provider), self.now())
            .await?;
        Ok(())
    }

    /// The existing user an external identity is linked to, if any: by subject first, then by
    /// a linked attribute's value as the provider maps it.
    pub(crate) async fn linked_user(
        &self,
        pool: &UserPool,
        provider: &IdentityProvider,
        assertion: &Assertion,
    ) -> Result<Option<User>> {
        let links = self
            .store
            .provider_links(&pool.id, &provider.provider_name)
            .await?;
        if links.is_empty() {
            return Ok(None);
        }
        let found = links
            .iter()
            .find(|l| l.attribute == SUBJECT && l.value == assertion.name_id.value)
            .or_else(|| {
                links.iter().find(|l| {
                    provider
                        .attribute_mapping
                        .get(&l.attribute)
                        .and_then(|source| assertion.attributes.iter().find(|a| &a.name == source))
                        .is_some_and(|a| {
                            !a.values.is_empty() && flatten_values(&a.values) == l.value
                        })
                })
            });
        match found {
            Some(link) => Ok(self.store.get_user(&pool.id, &link.username, false).await?),
            None => Ok(None),
        }
    }

    /// The user a subject (NameID) of a provider is linked to, if any.
    pub(crate) async fn linked_username(
        &self,
        pool: &UserPool,
        provider: &IdentityProvider,
        subject: &str,
    ) -> Result<Option<String>> {
        Ok(self
            .store
            .provider_links(&pool.id, &provider.provider_name)
            .await?
            .into_iter()
            .find(|l| l.attribute == SUBJECT && l.value == subject)
            .map(|l| l.username))
    }
}
