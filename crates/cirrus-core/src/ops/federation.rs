//! Federated users: applying a provider's attribute mapping to an assertion with Cognito's rules,
//! and creating or updating the user `{ProviderName}_{NameID}`.

use std::collections::BTreeMap;

use cirrus_saml::Assertion;
use serde_json::json;

use super::Cirrus;
use crate::attribute_mapping::writable_attributes;
use crate::error::Result;
use crate::ids;
use crate::model::client::AppClient;
use crate::model::group::Group;
use crate::model::identity_provider::IdentityProvider;
use crate::model::schema::check_value;
use crate::model::user::User;
use crate::model::user_pool::UserPool;
use crate::store::StoreError;

/// Why a federated sign-in was refused: the rule, the attribute, and a message for the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInRefusal {
    /// A stable name of the rule (`required_attribute`, `value_too_long`, ...).
    pub rule: &'static str,
    pub attribute: Option<String>,
    pub message: String,
}

impl SignInRefusal {
    fn new(rule: &'static str, attribute: Option<&str>, message: impl Into<String>) -> Self {
        SignInRefusal {
            rule,
            attribute: attribute.map(str::to_string),
            message: message.into(),
        }
    }
}

/// Encodes one item of a multi-valued attribute the way Java's `URLEncoder` does (Cognito's
/// `[a, b]` form): letters, digits and `.-*_` stay, space becomes `+`, the rest `%XX`.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The value a SAML attribute's values become in the user pool: the value itself, or
/// `[v1, v2]` for several.
pub fn flatten_values(values: &[String]) -> String {
    match values {
        [one] => one.clone(),
        many => format!(
            "[{}]",
            many.iter()
                .map(|v| form_encode(v))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Finds the SAML attribute a mapping names: by Name, else by FriendlyName when exactly one
/// attribute has it.
fn find_attribute<'a>(
    assertion: &'a Assertion,
    name: &str,
) -> Option<&'a cirrus_saml::response::Attribute> {
    if let Some(a) = assertion.attributes.iter().find(|a| a.name == name) {
        return Some(a);
    }
    let mut friendly = assertion
        .attributes
        .iter()
        .filter(|a| a.friendly_name.as_deref() == Some(name));
    match (friendly.next(), friendly.next()) {
        (Some(a), None) => Some(a),
        _ => None,
    }
}

/// Applies a provider's mapping to an assertion: the pool attributes to write, or the rule that
/// refuses the sign-in.
pub fn mapped_attributes(
    pool: &UserPool,
    client: &AppClient,
    provider: &IdentityProvider,
    assertion: &Assertion,
    existing: Option<&BTreeMap<String, String>>,
) -> std::result::Result<BTreeMap<String, String>, SignInRefusal> {
    let schema = &pool.schema_attributes;
    let writable = writable_attributes(schema, client);
    let mut out = BTreeMap::new();
    for (target, source) in &provider.attribute_mapping {
        if target == "username" {
            return Err(SignInRefusal::new(
                "username_mapped",
                Some(target),
                "Invalid user attributes: username: Attribute does not exist in the schema.",
            ));
        }
        let Some(rules) = schema.rules(target) else {
            return Err(SignInRefusal::new(
                "unknown_attribute",
                Some(target),
                format!(
                    "Invalid user attributes: {target}: Attribute does not exist in the schema."
                ),
            ));
        };
        let Some(attribute) = find_attribute(assertion, source) else {
            continue;
        };
        if attribute.values.is_empty() {
            continue;
        }
        if !rules.mutable && existing.is_some_and(|e| e.contains_key(target.as_str())) {
            return Err(SignInRefusal::new(
                "immutable_attribute",
                Some(target),
                format!(
                    "Invalid user attributes: {target}: the attribute is immutable and already set."
                ),
            ));
        }
        if !writable.contains(&target.as_str()) {
            return Err(SignInRefusal::new(
                "not_writable",
                Some(target),
                format!(
                    "Invalid user attributes: {target}: app client {} cannot write this attribute.",
                    client.client_id
                ),
            ));
        }
        let value = flatten_values(&attribute.values);
        check_value(&rules, &value).map_err(|e| {
            SignInRefusal::new(
                "value_rejected",
                Some(target),
                format!("Invalid user attributes: {e}"),
            )
        })?;
        out.insert(target.clone(), value);
    }
    for required in schema.required() {
        if required == "sub" {
            continue;
        }
        let had = existing.is_some_and(|e| e.contains_key(required));
        if !out.contains_key(required) {
            let message = if had {
                format!("Invalid user attributes: {required}: Required attribute cannot be deleted")
            } else {
                format!("Invalid user attributes: {required}: The attribute is required")
            };
            // Cognito's rule: a required attribute must come with every sign-in; one that was
            // set before and is now missing would be deleted, which is refused too.
            return Err(SignInRefusal::new(
                "required_attribute",
                Some(required),
                message,
            ));
        }
    }
    Ok(out)
}

/// The federated username of a NameID.
pub fn federated_username(pool: &UserPool, provider: &str, name_id: &str) -> String {
    let name = format!("{provider}_{name_id}");
    if pool.case_insensitive() {
        name.to_lowercase()
    } else {
        name
    }
}

impl Cirrus {
    /// Creates or updates the user an assertion names, puts them in the provider's automatic
    /// group, and returns them. Disabled users are refused.
    pub(crate) async fn upsert_federated_user(
        &self,
        pool: &UserPool,
        client: &AppClient,
        provider: &IdentityProvider,
        assertion: &Assertion,
    ) -> Result<std::result::Result<User, SignInRefusal>> {
        let now = self.timestamp();
        let (username, existing) = match self.linked_user(pool, provider, assertion).await? {
            Some(linked) => (linked.username.clone(), Some(linked)),
            None => {
                let username =
                    federated_username(pool, &provider.provider_name, &assertion.name_id.value);
                let existing = self
                    .store
                    .get_user(&pool.id, &username, pool.case_insensitive())
                    .await?;
                (username, existing)
            }
        };
        let mapped = match mapped_attributes(
            pool,
            client,
            provider,
            assertion,
            existing.as_ref().map(|u| &u.attributes),
        ) {
            Ok(m) => m,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let user = match existing {
            Some(mut user) => {
                if !user.enabled {
                    return Ok(Err(SignInRefusal::new(
                        "user_disabled",
                        None,
                        "User is disabled.",
                    )));
                }
                // Cognito rewrites every mapped attribute at each sign-in; writing only when a
                // value changed has the same outcome and spares the store a transaction.
                let changed = mapped
                    .iter()
                    .any(|(k, v)| user.attributes.get(k) != Some(v));
                if changed {
                    let username = user.username.clone();
                    user = self
                        .store
                        .update_user(
                            &pool.id,
                            &username,
                            Box::new(move |u| {
                                u.attributes.extend(mapped);
                                u.modified = now;
                                Ok(())
                            }),
                        )
                        .await?;
                }
                user
            }
            None => {
                let sub = ids::uuid();
                let identities = json!([{
                    "userId": assertion.name_id.value,
                    "providerName": provider.provider_name,
                    "providerType": provider.provider_type,
                    "issuer": assertion.issuer,
                    "primary": true,
                    "dateCreated": now.0,
                }]);
                let mut attributes = mapped;
                attributes.insert("sub".into(), sub.clone());
                attributes.insert("identities".into(), identities.to_string());
                let user = User {
                    pool_id: pool.id.clone(),
                    username: username.clone(),
                    sub,
                    status: "EXTERNAL_PROVIDER".into(),
                    enabled: true,
                    created: now,
                    modified: now,
                    attributes,
                };
                match self.store.create_user(&user, pool.case_insensitive()).await {
                    Ok(()) => user,
                    // A concurrent first sign-in of the same user won the race: use theirs.
                    Err(StoreError::Conflict(_)) => self
                        .store
                        .get_user(&pool.id, &username, pool.case_insensitive())
                        .await?
                        .ok_or_else(|| {
                            crate::Error::Internal("user vanished after a conflict".into())
                        })?,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let group_name = format!("{}_{}", pool.id, provider.provider_name);
        if self.store.get_group(&pool.id, &group_name).await?.is_none() {
            let group = Group {
                group_name: group_name.clone(),
                user_pool_id: pool.id.clone(),
                description: Some(format!(
                    "Autogenerated group for users who sign in using {}",
                    provider.provider_name
                )),
                role_arn: None,
                precedence: None,
                creation_date: now,
                last_modified_date: now,
            };
            match self.store.create_group(&group).await {
                Ok(()) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.store
            .add_user_to_group(&pool.id, &group_name, &user.username)
            .await?;
        Ok(Ok(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_values_as_cognito_writes_them() {
        assert_eq!(flatten_values(&["a".into()]), "a");
        assert_eq!(
            flatten_values(&["a b".into()]),
            "a b",
            "single values stay as sent"
        );
        assert_eq!(
            flatten_values(&["admins".into(), "dev ops".into(), "r&d/x".into()]),
            "[admins, dev+ops, r%26d%2Fx]"
        );
    }
}
