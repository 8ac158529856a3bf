//! Users: AdminCreateUser, AdminGetUser, AdminUpdateUserAttributes, AdminDeleteUserAttributes,
//! ListUsers, AdminDeleteUser, AdminDisableUser, AdminEnableUser.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Cirrus, page_size, token};
use crate::error::{Error, Result};
use crate::ids;
use crate::model::user::{Attribute, User};
use crate::model::user_pool::UserPool;
use crate::store::UserFilter;
use crate::validate;

/// AdminCreateUser's input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateUser {
    pub user_pool_id: Option<String>,
    pub username: Option<String>,
    #[serde(default)]
    pub user_attributes: Vec<Attribute>,
    pub temporary_password: Option<String>,
    pub message_action: Option<String>,
    pub desired_delivery_mediums: Option<Vec<String>>,
    pub force_alias_creation: Option<bool>,
}

/// Attributes only Cognito itself writes.
const SYSTEM_ATTRIBUTES: &[&str] = &[
    "sub",
    "identities",
    "cognito:user_status",
    "cognito:username",
];

fn check_username(username: &str) -> Result<()> {
    validate::string(username, "username", 1, 128, &validate::USERNAME)
}

/// Checks a list of attributes for writing and returns them as a map.
fn checked_attributes(
    pool: &UserPool,
    attrs: &[Attribute],
    member: &str,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for a in attrs {
        validate::string(
            &a.name,
            &format!("{member}.member.name"),
            1,
            32,
            &validate::ATTRIBUTE_NAME,
        )?;
        let value = a.value.clone().unwrap_or_default();
        validate::length(&value, &format!("{member}.member.value"), 0, 2048)?;
        if SYSTEM_ATTRIBUTES.contains(&a.name.as_str()) {
            return Err(Error::invalid(format!(
                "Attributes did not conform to the schema: {}: cannot be written.",
                a.name
            )));
        }
        pool.schema_attributes
            .check_value(&a.name, &value)
            .map_err(|e| {
                Error::invalid(format!("Attributes did not conform to the schema: {e}"))
            })?;
        if out.insert(a.name.clone(), value).is_some() {
            return Err(Error::invalid(format!(
                "Attribute {} is listed more than once.",
                a.name
            )));
        }
    }
    Ok(out)
}

/// Parses a ListUsers filter: `name = "value"` or `name ^= "value"`.
pub fn parse_filter(pool: &UserPool, filter: &str) -> Result<UserFilter> {
    let filter = filter.trim();
    if filter.is_empty() {
        return Ok(UserFilter::All);
    }
    let bad = || Error::invalid("Error while parsing filter.");
    let split = filter
        .find(|c: char| c == '=' || c == '^' || c.is_whitespace())
        .ok_or_else(bad)?;
    let (name, rest) = filter.split_at(split);
    let rest = rest.trim_start();
    let (prefix, rest) = if let Some(r) = rest.strip_prefix("^=") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (false, r)
    } else {
        return Err(bad());
    };
    let quoted = rest.trim();
    let inner = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or_else(bad)?;
    let mut value = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.push(chars.next().ok_or_else(bad)?),
            '"' => return Err(bad()),
            c => value.push(c),
        }
    }
    let name = name.trim().trim_matches('"');
    let fold = pool.case_insensitive();
    Ok(match name {
        "username" => UserFilter::Username {
            value,
            prefix,
            ignore_case: fold,
        },
        "sub" => UserFilter::Sub { value, prefix },
        "cognito:user_status" => UserFilter::Status(value.to_uppercase()),
        "status" => match value.as_str() {
            "Enabled" => UserFilter::Enabled(true),
            "Disabled" => UserFilter::Enabled(false),
            _ => {
                return Err(Error::invalid(
                    "Filter on status accepts \"Enabled\" or \"Disabled\".",
                ));
            }
        },
        "email" | "phone_number" | "name" | "given_name" | "family_name" | "preferred_username" => {
            UserFilter::Attribute {
                name: name.to_string(),
                value,
                prefix,
                ignore_case: fold && (name == "email" || name == "preferred_username"),
            }
        }
        other => return Err(Error::invalid(format!("Invalid search attribute: {other}"))),
    })
}

impl Cirrus {
    /// Finds a user by the name a caller gives: the username, or with username attributes or
    /// aliases the email / phone number / preferred username.
    pub async fn find_user(&self, pool: &UserPool, username: &str) -> Result<Option<User>> {
        check_username(username)?;
        let fold = pool.case_insensitive();
        if let Some(user) = self.store.get_user(&pool.id, username, fold).await? {
            return Ok(Some(user));
        }
        let mut alias_names: Vec<String> = pool.username_attributes.clone().unwrap_or_default();
        alias_names.extend(pool.alias_attributes.clone().unwrap_or_default());
        for name in alias_names {
            let ignore_case = fold && name != "phone_number";
            let found = self
                .store
                .find_users_by_attribute(&pool.id, &name, username, ignore_case)
                .await?;
            // Aliases count only when verified, except for username attributes.
            let verified = |u: &User| {
                pool.username_attributes
                    .as_ref()
                    .is_some_and(|a| a.contains(&name))
                    || u.attributes
                        .get(&format!("{name}_verified"))
                        .is_some_and(|v| v == "true")
                    || name == "preferred_username"
            };
            if let Some(u) = found.into_iter().find(verified) {
                return Ok(Some(u));
            }
        }
        Ok(None)
    }

    /// Loads a user or answers UserNotFound.
    pub async fn user(&self, pool_id: &str, username: &str) -> Result<(UserPool, User)> {
        let pool = self.pool(pool_id).await?;
        let user = self
            .find_user(&pool, username)
            .await?
            .ok_or_else(Error::user_not_found)?;
        Ok((pool, user))
    }

    /// Refuses values that would give two users the same sign-in alias: in pools with
    /// `UsernameAttributes` the email / phone number, in pools with `AliasAttributes` a verified
    /// email / phone number or a preferred_username (AliasExistsException).
    /// `with_username_attributes` is false on creation, where a clash of those is a
    /// UsernameExistsException decided atomically by the store.
    async fn check_alias_free(
        &self,
        pool: &UserPool,
        user: &User,
        updates: &BTreeMap<String, String>,
        with_username_attributes: bool,
    ) -> Result<()> {
        let username_attrs = if with_username_attributes {
            pool.username_attributes.clone().unwrap_or_default()
        } else {
            Vec::new()
        };
        let aliases = pool.alias_attributes.clone().unwrap_or_default();
        let merged = |name: &str| {
            updates
                .get(name)
                .or_else(|| user.attributes.get(name))
                .cloned()
        };
        for name in username_attrs.iter().chain(aliases.iter()) {
            let Some(value) = merged(name).filter(|v| !v.is_empty()) else {
                continue;
            };
            let is_alias = !username_attrs.contains(name);
            if is_alias
                && name != "preferred_username"
                && merged(&format!("{name}_verified")).as_deref() != Some("true")
            {
                continue;
            }
            let ignore_case = pool.case_insensitive() && name != "phone_number";
            let others = self
                .store
                .find_users_by_attribute(&pool.id, name, &value, ignore_case)
                .await?;
            let clash = others.iter().any(|o| {
                o.username != user.username
                    && (!is_alias
                        || name == "preferred_username"
                        || o.attributes
                            .get(&format!("{name}_verified"))
                            .is_some_and(|v| v == "true"))
            });
            if clash {
                return Err(Error::AliasExists(format!(
                    "An account with the given {} already exists.",
                    name.replace('_', " ")
                )));
            }
        }
        Ok(())
    }

    /// AdminCreateUser.
    pub async fn admin_create_user(&self, req: CreateUser) -> Result<User> {
        let pool_id = validate::required(&req.user_pool_id, "userPoolId")?;
        let given = validate::required(&req.username, "username")?;
        check_username(given)?;
        if let Some(p) = &req.temporary_password {
            validate::length(p, "temporaryPassword", 6, 256)?;
        }
        if let Some(a) = &req.message_action {
            validate::one_of(a, "messageAction", &["RESEND", "SUPPRESS"])?;
        }
        for m in req.desired_delivery_mediums.iter().flatten() {
            validate::one_of(m, "desiredDeliveryMediums.member", &["SMS", "EMAIL"])?;
        }
        let pool = self.pool(pool_id).await?;
        let mut attributes = checked_attributes(&pool, &req.user_attributes, "userAttributes")?;
        if req.message_action.as_deref() == Some("RESEND") {
            // Re-sending an invitation applies to an existing user; there is nothing to create.
            let user = self
                .find_user(&pool, given)
                .await?
                .ok_or_else(Error::user_not_found)?;
            return Ok(user);
        }
        let username = if pool.uses_username_attributes() {
            let kinds = pool.username_attributes.clone().unwrap_or_default();
            let kind = if given.contains('@') {
                "email"
            } else {
                "phone_number"
            };
            if !kinds.iter().any(|k| k == kind) {
                return Err(Error::invalid(format!(
                    "Username should be {} (the pool signs users in with UsernameAttributes).",
                    kinds.join(" or ")
                )));
            }
            pool.schema_attributes
                .check_value(kind, given)
                .map_err(|e| Error::invalid(format!("Username should be an {kind}: {e}")))?;
            attributes
                .entry(kind.to_string())
                .or_insert_with(|| given.clone());
            None
        } else {
            let aliases = pool.alias_attributes.clone().unwrap_or_default();
            if aliases.iter().any(|a| a == "email") && given.contains('@') {
                return Err(Error::invalid(
                    "Username cannot be of email format, since user pool is configured for email alias.",
                ));
            }
            if aliases.iter().any(|a| a == "phone_number")
                && given.starts_with('+')
                && given[1..].chars().all(|c| c.is_ascii_digit())
            {
                return Err(Error::invalid(
                    "Username cannot be of phone number format, since user pool is configured for phone number alias.",
                ));
            }
            Some(given.clone())
        };
        if let Some(kind) = pool
            .username_attributes
            .iter()
            .flatten()
            .find(|k| attributes.contains_key(*k))
        {
            let value = &attributes[kind];
            let clash = self
                .store
                .find_users_by_attribute(&pool.id, kind, value, pool.case_insensitive())
                .await?;
            if !clash.is_empty() {
                return Err(Error::UsernameExists(
                    "An account with the given email already exists.".replace("email", kind),
                ));
            }
        }
        let sub = ids::uuid();
        let now = self.timestamp();
        let user = User {
            pool_id: pool_id.clone(),
            username: username.unwrap_or_else(|| sub.clone()),
            sub: sub.clone(),
            status: "FORCE_CHANGE_PASSWORD".into(),
            enabled: true,
            created: now,
            modified: now,
            attributes: {
                attributes.insert("sub".into(), sub);
                attributes
            },
        };
        self.check_alias_free(&pool, &user, &BTreeMap::new(), false)
            .await?;
        let unique = pool.username_attributes.clone().unwrap_or_default();
        match self
            .store
            .create_user_unique(&user, pool.case_insensitive(), &unique)
            .await
        {
            Ok(()) => Ok(user),
            Err(crate::store::StoreError::Conflict(what)) if what.starts_with("alias ") => {
                Err(Error::UsernameExists(format!(
                    "An account with the given {} already exists.",
                    what.trim_start_matches("alias ").replace('_', " ")
                )))
            }
            Err(crate::store::StoreError::Conflict(_)) => {
                Err(Error::UsernameExists("User account already exists".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// AdminUpdateUserAttributes: mutable attributes only.
    pub async fn admin_update_user_attributes(
        &self,
        pool_id: &str,
        username: &str,
        attrs: &[Attribute],
    ) -> Result<()> {
        let (pool, user) = self.user(pool_id, username).await?;
        let updates = checked_attributes(&pool, attrs, "userAttributes")?;
        for name in updates.keys() {
            if pool
                .schema_attributes
                .rules(name)
                .is_some_and(|r| !r.mutable)
            {
                return Err(Error::invalid(format!(
                    "Cannot modify an immutable attribute: {name}."
                )));
            }
        }
        for (name, value) in &updates {
            if value.is_empty()
                && pool
                    .schema_attributes
                    .rules(name)
                    .is_some_and(|r| r.required)
            {
                return Err(Error::invalid(format!(
                    "Attributes did not conform to the schema: {name}: The attribute is required"
                )));
            }
        }
        self.check_alias_free(&pool, &user, &updates, true).await?;
        let now = self.timestamp();
        self.store
            .update_user(
                pool_id,
                &user.username,
                Box::new(move |user| {
                    for (name, value) in updates {
                        if value.is_empty() {
                            user.attributes.remove(&name);
                        } else {
                            user.attributes.insert(name, value);
                        }
                    }
                    user.modified = now;
                    Ok(())
                }),
            )
            .await?;
        Ok(())
    }

    /// AdminDeleteUserAttributes: not required ones, not `sub`.
    pub async fn admin_delete_user_attributes(
        &self,
        pool_id: &str,
        username: &str,
        names: &[String],
    ) -> Result<()> {
        let (pool, user) = self.user(pool_id, username).await?;
        for name in names {
            validate::string(
                name,
                "userAttributeNames.member",
                1,
                32,
                &validate::ATTRIBUTE_NAME,
            )?;
            let rules = pool.schema_attributes.rules(name).ok_or_else(|| {
                Error::invalid(format!("Attribute {name} does not exist in the schema."))
            })?;
            if rules.required || name == "sub" {
                return Err(Error::invalid(format!(
                    "Attributes did not conform to the schema: {name}: The attribute is required"
                )));
            }
            if !rules.mutable {
                return Err(Error::invalid(format!(
                    "Cannot modify an immutable attribute: {name}."
                )));
            }
        }
        let names = names.to_vec();
        let now = self.timestamp();
        self.store
            .update_user(
                pool_id,
                &user.username,
                Box::new(move |user| {
                    for name in &names {
                        user.attributes.remove(name);
                    }
                    user.modified = now;
                    Ok(())
                }),
            )
            .await?;
        Ok(())
    }

    /// AdminDeleteUser.
    pub async fn admin_delete_user(&self, pool_id: &str, username: &str) -> Result<()> {
        let (_, user) = self.user(pool_id, username).await?;
        self.store.delete_user(pool_id, &user.username).await?;
        Ok(())
    }

    /// AdminEnableUser / AdminDisableUser.
    pub async fn admin_set_user_enabled(
        &self,
        pool_id: &str,
        username: &str,
        enabled: bool,
    ) -> Result<()> {
        let (_, user) = self.user(pool_id, username).await?;
        let now = self.timestamp();
        self.store
            .update_user(
                pool_id,
                &user.username,
                Box::new(move |user| {
                    user.enabled = enabled;
                    user.modified = now;
                    Ok(())
                }),
            )
            .await?;
        Ok(())
    }

    /// Checks ListUsers' `AttributesToGet`: every name must be a pool attribute.
    pub async fn check_attributes_to_get(&self, pool_id: &str, names: &[String]) -> Result<()> {
        let pool = self.pool(pool_id).await?;
        for n in names {
            validate::length(n, "attributesToGet.member", 1, 32)?;
            if pool.schema_attributes.get(n).is_none() && n != "identities" {
                return Err(Error::invalid(format!(
                    "One or more requested attributes do not exist: {n}."
                )));
            }
        }
        Ok(())
    }

    /// ListUsers.
    pub async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&str>,
        limit: Option<i64>,
        next: Option<&String>,
    ) -> Result<(Vec<User>, Option<String>)> {
        let pool = self.pool(pool_id).await?;
        if let Some(f) = filter {
            validate::length(f, "filter", 0, 256)?;
        }
        let filter = parse_filter(&pool, filter.unwrap_or(""))?;
        let limit = page_size(limit, "limit", 0, 60)?;
        let after = token::decode(next)?;
        let page = self
            .store
            .list_users(pool_id, &filter, limit, after.as_deref())
            .await?;
        Ok((page.items, token::encode(page.next)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;
    use crate::model::schema::Schema;
    use crate::model::user_pool::PoolSettings;

    fn pool(case_sensitive: bool) -> UserPool {
        UserPool {
            id: "us-east-1_abc".into(),
            name: "p".into(),
            arn: "arn".into(),
            creation_date: Timestamp(0),
            last_modified_date: Timestamp(0),
            schema_attributes: Schema::for_new_pool(&[]).unwrap(),
            alias_attributes: None,
            username_attributes: None,
            username_configuration: Some(crate::model::user_pool::UsernameConfiguration {
                case_sensitive: Some(case_sensitive),
            }),
            settings: PoolSettings::default(),
        }
    }

    #[test]
    fn filters() {
        let p = pool(true);
        assert_eq!(parse_filter(&p, "").unwrap(), UserFilter::All);
        assert_eq!(
            parse_filter(&p, "email = \"a@example.com\"").unwrap(),
            UserFilter::Attribute {
                name: "email".into(),
                value: "a@example.com".into(),
                prefix: false,
                ignore_case: false
            }
        );
        assert_eq!(
            parse_filter(&p, "username ^= \"Corp_\"").unwrap(),
            UserFilter::Username {
                value: "Corp_".into(),
                prefix: true,
                ignore_case: false
            }
        );
        assert_eq!(
            parse_filter(&p, "username=\"a\\\"b\"").unwrap(),
            UserFilter::Username {
                value: "a\"b".into(),
                prefix: false,
                ignore_case: false
            }
        );
        assert_eq!(
            parse_filter(&p, "status = \"Disabled\"").unwrap(),
            UserFilter::Enabled(false)
        );
        assert_eq!(
            parse_filter(&p, "cognito:user_status = \"external_provider\"").unwrap(),
            UserFilter::Status("EXTERNAL_PROVIDER".into())
        );
        assert!(matches!(
            parse_filter(&pool(false), "email = \"A@x\"").unwrap(),
            UserFilter::Attribute {
                ignore_case: true,
                ..
            }
        ));
        // Multi-byte whitespace between the parts is whitespace, not a panic.
        assert!(parse_filter(&p, "email\u{3000}= \"x\"\u{3000}").is_ok());
        for bad in [
            "email",
            "email = a",
            "email ~ \"a\"",
            "custom:dept = \"x\"",
            "email = \"a\" and",
            "email = \"unterminated",
        ] {
            assert!(parse_filter(&p, bad).is_err(), "{bad}");
        }
        assert!(
            parse_filter(&p, "custom:dept = \"x\"")
                .unwrap_err()
                .to_string()
                .contains("Invalid search attribute")
        );
    }
}
