//! User pools: the record DescribeUserPool returns, and the settings Create/UpdateUserPool take.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Timestamp;
use super::schema::Schema;
use crate::error::{Error, Result};
use crate::validate;

/// The members of a pool that UpdateUserPool replaces as a whole (omitted ones go back to
/// their defaults, as in Cognito). Structures Cirrus stores but does not act on yet are kept as
/// JSON objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct PoolSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policies: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_verified_attributes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_verification_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verification_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verification_subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_message_template: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_authentication_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_attribute_update_settings: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_configuration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_pool_tags: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_create_user_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_pool_add_ons: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_recovery_setting: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_pool_tier: Option<String>,
}

/// `UsernameConfigurationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsernameConfiguration {
    pub case_sensitive: Option<bool>,
}

/// A user pool as stored and as DescribeUserPool returns it (less the members computed at read
/// time: `Domain`, `CustomDomain`, `EstimatedNumberOfUsers`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPool {
    pub id: String,
    pub name: String,
    pub arn: String,
    pub creation_date: Timestamp,
    pub last_modified_date: Timestamp,
    pub schema_attributes: Schema,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_attributes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_attributes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_configuration: Option<UsernameConfiguration>,
    #[serde(flatten)]
    pub settings: PoolSettings,
}

impl UserPool {
    /// Whether usernames (and email / preferred_username aliases) compare without case.
    pub fn case_insensitive(&self) -> bool {
        self.username_configuration
            .and_then(|c| c.case_sensitive)
            .is_some_and(|sensitive| !sensitive)
    }

    /// Whether users sign in with an email or phone number instead of a username.
    pub fn uses_username_attributes(&self) -> bool {
        self.username_attributes
            .as_ref()
            .is_some_and(|a| !a.is_empty())
    }

    /// The pool's tags.
    pub fn tags(&self) -> BTreeMap<String, String> {
        self.settings.user_pool_tags.clone().unwrap_or_default()
    }
}

fn object(value: &Option<Value>, member: &str) -> Result<()> {
    match value {
        None | Some(Value::Object(_)) => Ok(()),
        Some(_) => Err(Error::Serialization(format!(
            "Unexpected value at '{member}': expected a structure"
        ))),
    }
}

fn int_in(
    obj: &serde_json::Map<String, Value>,
    key: &str,
    member: &str,
    min: i64,
    max: i64,
) -> Result<()> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(v) => match v.as_i64() {
            Some(n) => validate::range(n, &format!("{member}.{key}"), min, max),
            None => Err(Error::Serialization(format!(
                "Unexpected value at '{member}.{key}': expected an integer"
            ))),
        },
    }
}

/// Checks tag maps: at most 50 tags, keys 1..128 and values 0..256 characters.
pub fn validate_tags(tags: &BTreeMap<String, String>, member: &str) -> Result<()> {
    if tags.len() > 50 {
        return Err(Error::invalid(format!(
            "{member}: a user pool can have at most 50 tags"
        )));
    }
    for (k, v) in tags {
        validate::length(k, &format!("{member}.key"), 1, 128)?;
        validate::length(v, &format!("{member}.value"), 0, 256)?;
        if k.starts_with("aws:") {
            return Err(Error::invalid(format!(
                "{member}: tag keys may not start with 'aws:'"
            )));
        }
    }
    Ok(())
}

impl PoolSettings {
    /// Checks every member against the model's constraints.
    pub fn validate(&self) -> Result<()> {
        for (v, m) in [
            (&self.policies, "policies"),
            (&self.lambda_config, "lambdaConfig"),
            (
                &self.verification_message_template,
                "verificationMessageTemplate",
            ),
            (
                &self.user_attribute_update_settings,
                "userAttributeUpdateSettings",
            ),
            (&self.device_configuration, "deviceConfiguration"),
            (&self.email_configuration, "emailConfiguration"),
            (&self.sms_configuration, "smsConfiguration"),
            (&self.admin_create_user_config, "adminCreateUserConfig"),
            (&self.user_pool_add_ons, "userPoolAddOns"),
            (&self.account_recovery_setting, "accountRecoverySetting"),
        ] {
            object(v, m)?;
        }
        if let Some(Value::Object(p)) = &self.policies
            && let Some(pw) = p.get("PasswordPolicy")
        {
            let Value::Object(pw) = pw else {
                return Err(Error::Serialization(
                    "Unexpected value at 'policies.passwordPolicy': expected a structure".into(),
                ));
            };
            int_in(pw, "MinimumLength", "policies.passwordPolicy", 6, 99)?;
            int_in(pw, "PasswordHistorySize", "policies.passwordPolicy", 0, 24)?;
            int_in(
                pw,
                "TemporaryPasswordValidityDays",
                "policies.passwordPolicy",
                0,
                365,
            )?;
        }
        if let Some(Value::Object(a)) = &self.admin_create_user_config {
            int_in(
                a,
                "UnusedAccountValidityDays",
                "adminCreateUserConfig",
                0,
                365,
            )?;
        }
        if let Some(Value::Object(a)) = &self.user_pool_add_ons {
            match a.get("AdvancedSecurityMode").and_then(Value::as_str) {
                Some(mode) => validate::one_of(
                    mode,
                    "userPoolAddOns.advancedSecurityMode",
                    &["OFF", "AUDIT", "ENFORCED"],
                )?,
                None => return Err(validate::missing("userPoolAddOns.advancedSecurityMode")),
            }
        }
        if let Some(Value::Object(a)) = &self.account_recovery_setting
            && let Some(Value::Array(list)) = a.get("RecoveryMechanisms")
        {
            validate::count(list, "accountRecoverySetting.recoveryMechanisms", 1, 2)?;
            for item in list {
                let name = item.get("Name").and_then(Value::as_str).unwrap_or_default();
                validate::one_of(
                    name,
                    "accountRecoverySetting.recoveryMechanisms.member.name",
                    &["verified_email", "verified_phone_number", "admin_only"],
                )?;
                let priority = item.get("Priority").and_then(Value::as_i64).unwrap_or(0);
                validate::range(
                    priority,
                    "accountRecoverySetting.recoveryMechanisms.member.priority",
                    1,
                    2,
                )?;
            }
        }
        if let Some(d) = &self.deletion_protection {
            validate::one_of(d, "deletionProtection", &["ACTIVE", "INACTIVE"])?;
        }
        if let Some(m) = &self.mfa_configuration {
            validate::one_of(m, "mfaConfiguration", &["OFF", "ON", "OPTIONAL"])?;
        }
        if let Some(t) = &self.user_pool_tier {
            validate::one_of(t, "userPoolTier", &["LITE", "ESSENTIALS", "PLUS"])?;
        }
        for a in self.auto_verified_attributes.iter().flatten() {
            validate::one_of(
                a,
                "autoVerifiedAttributes.member",
                &["phone_number", "email"],
            )?;
        }
        if let Some(m) = &self.sms_verification_message {
            validate::string(m, "smsVerificationMessage", 6, 140, &validate::SMS_MESSAGE)?;
        }
        if let Some(m) = &self.sms_authentication_message {
            validate::string(
                m,
                "smsAuthenticationMessage",
                6,
                140,
                &validate::SMS_MESSAGE,
            )?;
        }
        if let Some(m) = &self.email_verification_message {
            validate::string(
                m,
                "emailVerificationMessage",
                6,
                20000,
                &validate::EMAIL_MESSAGE,
            )?;
        }
        if let Some(m) = &self.email_verification_subject {
            validate::string(
                m,
                "emailVerificationSubject",
                1,
                140,
                &validate::EMAIL_SUBJECT,
            )?;
        }
        if let Some(tags) = &self.user_pool_tags {
            validate_tags(tags, "userPoolTags")?;
        }
        if self
            .mfa_configuration
            .as_deref()
            .is_some_and(|m| m != "OFF")
            && self.sms_configuration.is_none()
        {
            // Cognito needs an SMS or TOTP configuration before MFA can be on; TOTP needs nothing
            // here, so only record the setting.
        }
        Ok(())
    }

    /// Fills the members Cognito defaults when they are omitted.
    pub fn with_defaults(mut self) -> Self {
        use serde_json::json;
        let policies = self.policies.get_or_insert_with(|| json!({}));
        if let Value::Object(p) = policies {
            let pw = p.entry("PasswordPolicy").or_insert_with(|| json!({}));
            if let Value::Object(pw) = pw {
                for (k, v) in [
                    ("MinimumLength", json!(8)),
                    ("RequireUppercase", json!(true)),
                    ("RequireLowercase", json!(true)),
                    ("RequireNumbers", json!(true)),
                    ("RequireSymbols", json!(true)),
                    ("TemporaryPasswordValidityDays", json!(7)),
                ] {
                    pw.entry(k).or_insert(v);
                }
            }
            p.entry("SignInPolicy")
                .or_insert_with(|| json!({"AllowedFirstAuthFactors": ["PASSWORD"]}));
        }
        self.deletion_protection
            .get_or_insert_with(|| "INACTIVE".into());
        self.mfa_configuration.get_or_insert_with(|| "OFF".into());
        self.lambda_config.get_or_insert_with(|| json!({}));
        self.verification_message_template
            .get_or_insert_with(|| json!({"DefaultEmailOption": "CONFIRM_WITH_CODE"}));
        self.email_configuration
            .get_or_insert_with(|| json!({"EmailSendingAccount": "COGNITO_DEFAULT"}));
        let admin = self
            .admin_create_user_config
            .get_or_insert_with(|| json!({}));
        if let Value::Object(a) = admin {
            a.entry("AllowAdminCreateUserOnly").or_insert(json!(false));
            a.entry("UnusedAccountValidityDays").or_insert(json!(7));
        }
        self.account_recovery_setting.get_or_insert_with(|| {
            json!({"RecoveryMechanisms": [
                {"Priority": 1, "Name": "verified_email"},
                {"Priority": 2, "Name": "verified_phone_number"}
            ]})
        });
        self.user_pool_tier
            .get_or_insert_with(|| "ESSENTIALS".into());
        self.user_pool_tags.get_or_insert_with(BTreeMap::new);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_fill_password_policy() {
        let s = PoolSettings::default().with_defaults();
        let pw = &s.policies.as_ref().unwrap()["PasswordPolicy"];
        assert_eq!(pw["MinimumLength"], json!(8));
        assert_eq!(s.mfa_configuration.as_deref(), Some("OFF"));
        assert_eq!(s.deletion_protection.as_deref(), Some("INACTIVE"));
    }

    #[test]
    fn settings_validation() {
        let mut s = PoolSettings {
            policies: Some(json!({"PasswordPolicy": {"MinimumLength": 5}})),
            ..Default::default()
        };
        assert!(
            s.validate()
                .unwrap_err()
                .to_string()
                .contains("greater than or equal to 6")
        );
        s.policies = None;
        s.mfa_configuration = Some("SOMETIMES".into());
        assert!(s.validate().is_err());
        s.mfa_configuration = None;
        s.sms_verification_message = Some("no placeholder".into());
        assert!(s.validate().is_err());
        s.sms_verification_message = Some("code {####}".into());
        assert!(s.validate().is_ok());
        let mut tags = BTreeMap::new();
        tags.insert("k".repeat(129), "v".into());
        s.user_pool_tags = Some(tags);
        assert!(s.validate().is_err());
    }
}
