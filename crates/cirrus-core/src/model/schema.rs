//! User pool schema: the standard attributes, custom attributes, and the rules for values.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::validate;

/// The most characters any attribute value may hold.
pub const MAX_VALUE_LENGTH: usize = 2048;
/// The most custom attributes a pool may have.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;

/// One schema entry (`SchemaAttributeType`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct SchemaAttribute {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_data_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub developer_only_attribute: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_attribute_constraints: Option<NumberConstraints>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_attribute_constraints: Option<StringConstraints>,
}

/// `NumberAttributeConstraintsType`: bounds written as strings holding integers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct NumberConstraints {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<String>,
}

/// `StringAttributeConstraintsType`: lengths written as strings holding integers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct StringConstraints {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<String>,
}

const DATA_TYPES: &[&str] = &["String", "Number", "DateTime", "Boolean"];

/// Standard attribute names, in the order Cognito lists them.
pub const STANDARD_ATTRIBUTES: &[&str] = &[
    "sub",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
];

fn string_attr(name: &str, mutable: bool, required: bool, min: &str, max: &str) -> SchemaAttribute {
    SchemaAttribute {
        name: Some(name.to_string()),
        attribute_data_type: Some("String".into()),
        developer_only_attribute: Some(false),
        mutable: Some(mutable),
        required: Some(required),
        number_attribute_constraints: None,
        string_attribute_constraints: Some(StringConstraints {
            min_length: Some(min.into()),
            max_length: Some(max.into()),
        }),
    }
}

/// The default schema entry of a standard attribute.
pub fn standard_attribute(name: &str) -> Option<SchemaAttribute> {
    let attr = match name {
        "sub" => string_attr("sub", false, true, "1", "2048"),
        "birthdate" => string_attr("birthdate", true, false, "10", "10"),
        "email_verified" | "phone_number_verified" => SchemaAttribute {
            name: Some(name.into()),
            attribute_data_type: Some("Boolean".into()),
            developer_only_attribute: Some(false),
            mutable: Some(true),
            required: Some(false),
            ..Default::default()
        },
        "updated_at" => SchemaAttribute {
            name: Some(name.into()),
            attribute_data_type: Some("Number".into()),
            developer_only_attribute: Some(false),
            mutable: Some(true),
            required: Some(false),
            number_attribute_constraints: Some(NumberConstraints {
                min_value: Some("0".into()),
                max_value: None,
            }),
            string_attribute_constraints: None,
        },
        n if STANDARD_ATTRIBUTES.contains(&n) => string_attr(n, true, false, "0", "2048"),
        _ => return None,
    };
    Some(attr)
}

/// A pool's resolved schema: every attribute with every flag set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Schema(pub Vec<SchemaAttribute>);

/// Facts about one attribute that the rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeRules<'a> {
    /// Full name (`email`, `custom:dept`).
    pub name: &'a str,
    pub data_type: &'a str,
    pub mutable: bool,
    pub required: bool,
    pub developer_only: bool,
    pub standard: bool,
    pub min_length: usize,
    pub max_length: usize,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
}

fn parse_bound(value: &Option<String>, member: &str) -> Result<Option<i64>> {
    match value {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
            Error::invalid(format!(
                "{member} must be a string holding an integer, got '{v}'"
            ))
        }),
    }
}

impl SchemaAttribute {
    fn rules(&self) -> AttributeRules<'_> {
        let name = self.name.as_deref().unwrap_or_default();
        let strings = self
            .string_attribute_constraints
            .clone()
            .unwrap_or_default();
        let numbers = self
            .number_attribute_constraints
            .clone()
            .unwrap_or_default();
        let parse = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<i64>().ok());
        AttributeRules {
            name,
            data_type: self.attribute_data_type.as_deref().unwrap_or("String"),
            mutable: self.mutable.unwrap_or(true),
            required: self.required.unwrap_or(false),
            developer_only: self.developer_only_attribute.unwrap_or(false),
            standard: STANDARD_ATTRIBUTES.contains(&name),
            min_length: parse(&strings.min_length).unwrap_or(0).max(0) as usize,
            max_length: parse(&strings.max_length)
                .map(|m| (m.max(0) as usize).min(MAX_VALUE_LENGTH))
                .unwrap_or(MAX_VALUE_LENGTH),
            min_value: parse(&numbers.min_value),
            max_value: parse(&numbers.max_value),
        }
    }
}

impl Schema {
    /// The schema of a new pool: the standard attributes overridden by, and followed by, the
    /// caller's entries (CreateUserPool's `Schema`).
    pub fn for_new_pool(entries: &[SchemaAttribute]) -> Result<Schema> {
        validate::count(entries, "schema", 0, MAX_CUSTOM_ATTRIBUTES)?;
        let mut attrs: Vec<SchemaAttribute> = STANDARD_ATTRIBUTES
            .iter()
            .filter_map(|n| standard_attribute(n))
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut customs = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let member = format!("schema.{}.member", i + 1);
            let name = validate::required(&entry.name, &format!("{member}.name"))?;
            if !seen.insert(name.clone()) {
                return Err(Error::invalid(format!(
                    "Schema attribute {name} is listed more than once."
                )));
            }
            if let Some(slot) = attrs.iter_mut().find(|a| a.name.as_deref() == Some(name)) {
                *slot = override_standard(slot, entry, &member)?;
            } else {
                customs.push(custom_attribute(entry, &member)?);
            }
        }
        attrs.extend(customs);
        Ok(Schema(attrs))
    }

    /// Adds custom attributes to an existing pool (AddCustomAttributes).
    pub fn add_custom(&mut self, entries: &[SchemaAttribute]) -> Result<()> {
        validate::count(entries, "customAttributes", 1, 25)?;
        let mut added = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let member = format!("customAttributes.{}.member", i + 1);
            let attr = custom_attribute(entry, &member)?;
            let full = attr.name.clone().unwrap_or_default();
            if self.get(&full).is_some()
                || added.iter().any(|a: &SchemaAttribute| a.name == attr.name)
            {
                return Err(Error::invalid(format!(
                    "{full}: Existing attribute already has name {full}."
                )));
            }
            added.push(attr);
        }
        if self.custom_count() + added.len() > MAX_CUSTOM_ATTRIBUTES {
            return Err(Error::invalid(format!(
                "A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes; it has {} and the request adds {}.",
                self.custom_count(),
                added.len()
            )));
        }
        self.0.extend(added);
        Ok(())
    }

    /// The number of custom (and developer-only) attributes.
    pub fn custom_count(&self) -> usize {
        self.0.iter().filter(|a| !a.rules().standard).count()
    }

    /// The schema entry of an attribute, by full name.
    pub fn get(&self, name: &str) -> Option<&SchemaAttribute> {
        self.0.iter().find(|a| a.name.as_deref() == Some(name))
    }

    /// The rules of an attribute, by full name.
    pub fn rules(&self, name: &str) -> Option<AttributeRules<'_>> {
        self.get(name).map(SchemaAttribute::rules)
    }

    /// Every attribute's rules.
    pub fn all(&self) -> impl Iterator<Item = AttributeRules<'_>> {
        self.0.iter().map(SchemaAttribute::rules)
    }

    /// Names of the attributes marked required.
    pub fn required(&self) -> impl Iterator<Item = &str> {
        self.all().filter(|r| r.required).map(|r| r.name)
    }

    /// Checks one value against its attribute's type and constraints. The error names the
    /// attribute and the rule.
    pub fn check_value(&self, name: &str, value: &str) -> Result<()> {
        let rules = self.rules(name).ok_or_else(|| {
            Error::invalid(format!("{name}: Attribute does not exist in the schema."))
        })?;
        check_value(&rules, value)
    }
}

/// Checks a value against one attribute's rules.
pub fn check_value(rules: &AttributeRules<'_>, value: &str) -> Result<()> {
    let name = rules.name;
    let len = value.chars().count();
    if len > MAX_VALUE_LENGTH {
        return Err(Error::invalid(format!(
            "{name}: Attribute value is {len} characters long; at most {MAX_VALUE_LENGTH} are allowed."
        )));
    }
    match rules.data_type {
        "String" => {
            if len > rules.max_length {
                return Err(Error::invalid(format!(
                    "{name}: Attribute value is {len} characters long; the schema allows at most {}.",
                    rules.max_length
                )));
            }
            if len < rules.min_length && len > 0 {
                return Err(Error::invalid(format!(
                    "{name}: Attribute value is {len} characters long; the schema requires at least {}.",
                    rules.min_length
                )));
            }
            if name == "phone_number" && !value.is_empty() && !is_e164(value) {
                return Err(Error::invalid(
                    "Invalid phone number format. phone_number must be '+' followed by digits (E.164).",
                ));
            }
            if name == "email" && !value.is_empty() && !is_email(value) {
                return Err(Error::invalid("Invalid email address format."));
            }
        }
        "Number" => {
            let n: i64 = value.trim().parse().map_err(|_| {
                Error::invalid(format!(
                    "{name}: Number attribute value '{value}' is not an integer."
                ))
            })?;
            if rules.min_value.is_some_and(|min| n < min)
                || rules.max_value.is_some_and(|max| n > max)
            {
                return Err(Error::invalid(format!(
                    "{name}: Number attribute value {n} is outside the schema's range."
                )));
            }
        }
        "Boolean" if value != "true" && value != "false" => {
            return Err(Error::invalid(format!(
                "{name}: Boolean attribute value must be 'true' or 'false', got '{value}'."
            )));
        }
        _ => {}
    }
    Ok(())
}

fn is_e164(v: &str) -> bool {
    v.strip_prefix('+')
        .is_some_and(|d| (1..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()))
}

fn is_email(v: &str) -> bool {
    match v.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !v.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn check_constraints(entry: &SchemaAttribute, data_type: &str, member: &str) -> Result<()> {
    if let Some(s) = &entry.string_attribute_constraints {
        if data_type != "String" {
            return Err(Error::invalid(format!(
                "{member}: StringAttributeConstraints apply only to String attributes."
            )));
        }
        let min = parse_bound(
            &s.min_length,
            &format!("{member}.stringAttributeConstraints.minLength"),
        )?;
        let max = parse_bound(
            &s.max_length,
            &format!("{member}.stringAttributeConstraints.maxLength"),
        )?;
        let name = entry.name.as_deref().unwrap_or_default();
        if max.is_some_and(|m| m > MAX_VALUE_LENGTH as i64) {
            return Err(Error::invalid(format!(
                "user.{name}: String attributes cannot have a length of more than {MAX_VALUE_LENGTH}"
            )));
        }
        if min.is_some_and(|m| m < 0) || max.is_some_and(|m| m < 0) {
            return Err(Error::invalid(format!(
                "user.{name}: String length bounds cannot be negative"
            )));
        }
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            return Err(Error::invalid(format!(
                "user.{name}: MinLength {min} is greater than MaxLength {max}"
            )));
        }
    }
    if let Some(n) = &entry.number_attribute_constraints {
        if data_type != "Number" {
            return Err(Error::invalid(format!(
                "{member}: NumberAttributeConstraints apply only to Number attributes."
            )));
        }
        let min = parse_bound(
            &n.min_value,
            &format!("{member}.numberAttributeConstraints.minValue"),
        )?;
        let max = parse_bound(
            &n.max_value,
            &format!("{member}.numberAttributeConstraints.maxValue"),
        )?;
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            let name = entry.name.as_deref().unwrap_or_default();
            return Err(Error::invalid(format!(
                "user.{name}: MinValue {min} is greater than MaxValue {max}"
            )));
        }
    }
    Ok(())
}

fn override_standard(
    base: &SchemaAttribute,
    entry: &SchemaAttribute,
    member: &str,
) -> Result<SchemaAttribute> {
    let name = base.name.as_deref().unwrap_or_default();
    let base_type = base.attribute_data_type.as_deref().unwrap_or("String");
    if let Some(t) = &entry.attribute_data_type {
        validate::one_of(t, &format!("{member}.attributeDataType"), DATA_TYPES)?;
        if t != base_type {
            return Err(Error::invalid(format!(
                "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {name}"
            )));
        }
    }
    if entry.developer_only_attribute == Some(true) {
        return Err(Error::invalid(format!(
            "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {name}"
        )));
    }
    if name == "sub" && (entry.mutable == Some(true) || entry.required == Some(false)) {
        return Err(Error::invalid("sub is always required and immutable."));
    }
    check_constraints(entry, base_type, member)?;
    let mut out = base.clone();
    if let Some(m) = entry.mutable {
        out.mutable = Some(m);
    }
    if let Some(r) = entry.required {
        out.required = Some(r);
    }
    if let Some(s) = &entry.string_attribute_constraints {
        let mut merged = out.string_attribute_constraints.clone().unwrap_or_default();
        if s.min_length.is_some() {
            merged.min_length = s.min_length.clone();
        }
        if s.max_length.is_some() {
            merged.max_length = s.max_length.clone();
        }
        out.string_attribute_constraints = Some(merged);
    }
    if let Some(n) = &entry.number_attribute_constraints {
        out.number_attribute_constraints = Some(n.clone());
    }
    Ok(out)
}

fn custom_attribute(entry: &SchemaAttribute, member: &str) -> Result<SchemaAttribute> {
    let raw = validate::required(&entry.name, &format!("{member}.name"))?;
    let bare = raw.strip_prefix("custom:").unwrap_or(raw);
    validate::string(
        bare,
        &format!("{member}.name"),
        1,
        20,
        &validate::CUSTOM_ATTRIBUTE_NAME,
    )?;
    let data_type = entry.attribute_data_type.as_deref().unwrap_or("String");
    validate::one_of(
        data_type,
        &format!("{member}.attributeDataType"),
        DATA_TYPES,
    )?;
    if entry.required == Some(true) {
        return Err(Error::invalid(
            "Required custom attributes are not supported currently.",
        ));
    }
    check_constraints(entry, data_type, member)?;
    let developer_only = entry.developer_only_attribute.unwrap_or(false);
    let name = if developer_only {
        format!("dev:custom:{bare}")
    } else {
        format!("custom:{bare}")
    };
    let string_constraints = match (data_type, &entry.string_attribute_constraints) {
        ("String", Some(s)) => Some(s.clone()),
        ("String", None) => Some(StringConstraints::default()),
        _ => None,
    };
    let number_constraints = match (data_type, &entry.number_attribute_constraints) {
        ("Number", Some(n)) => Some(n.clone()),
        ("Number", None) => Some(NumberConstraints::default()),
        _ => None,
    };
    Ok(SchemaAttribute {
        name: Some(name),
        attribute_data_type: Some(data_type.to_string()),
        developer_only_attribute: Some(developer_only),
        mutable: Some(entry.mutable.unwrap_or(true)),
        required: Some(false),
        number_attribute_constraints: number_constraints,
        string_attribute_constraints: string_constraints,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(name: &str, data_type: &str) -> SchemaAttribute {
        SchemaAttribute {
            name: Some(name.into()),
            attribute_data_type: Some(data_type.into()),
            ..Default::default()
        }
    }

    #[test]
    fn new_pool_lists_every_standard_attribute() {
        let s = Schema::for_new_pool(&[]).unwrap();
        assert_eq!(s.0.len(), STANDARD_ATTRIBUTES.len());
        let sub = s.rules("sub").unwrap();
        assert!(sub.required && !sub.mutable);
        assert_eq!(s.rules("email_verified").unwrap().data_type, "Boolean");
        assert_eq!(s.required().collect::<Vec<_>>(), vec!["sub"]);
    }

    #[test]
    fn standard_overrides_and_customs() {
        let mut email = custom("email", "String");
        email.required = Some(true);
        email.mutable = Some(false);
        let mut dept = custom("dept", "String");
        dept.string_attribute_constraints = Some(StringConstraints {
            min_length: Some("1".into()),
            max_length: Some("64".into()),
        });
        let s = Schema::for_new_pool(&[email, dept]).unwrap();
        let e = s.rules("email").unwrap();
        assert!(e.required && !e.mutable);
        assert_eq!(s.rules("custom:dept").unwrap().max_length, 64);
        assert_eq!(s.custom_count(), 1);
    }

    #[test]
    fn schema_errors() {
        let mut bad = custom("email", "Number");
        assert!(Schema::for_new_pool(&[bad.clone()]).is_err());
        bad = custom("dept", "String");
        bad.required = Some(true);
        let msg = Schema::for_new_pool(&[bad]).unwrap_err().to_string();
        assert!(msg.contains("Required custom attributes"));
        let mut long = custom("dept", "String");
        long.string_attribute_constraints = Some(StringConstraints {
            min_length: None,
            max_length: Some("2049".into()),
        });
        assert!(
            Schema::for_new_pool(&[long])
                .unwrap_err()
                .to_string()
                .contains("2048")
        );
        assert!(Schema::for_new_pool(&[custom("a b", "String")]).is_err());
        assert!(Schema::for_new_pool(&[custom("x".repeat(21).as_str(), "String")]).is_err());
        assert!(Schema::for_new_pool(&[custom("dup", "String"), custom("dup", "Number")]).is_err());
        assert!(Schema::for_new_pool(&[custom("n", "Float")]).is_err());
    }

    #[test]
    fn add_custom_refuses_existing_names_and_the_51st() {
        let mut s = Schema::for_new_pool(&[custom("dept", "String")]).unwrap();
        let msg = s
            .add_custom(&[custom("dept", "String")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "custom:dept: Existing attribute already has name custom:dept."
        );
        for i in 0..49 {
            s.add_custom(&[custom(&format!("a{i}"), "Number")]).unwrap();
        }
        assert_eq!(s.custom_count(), 50);
        assert!(matches!(
            s.add_custom(&[custom("one_more", "String")]),
            Err(Error::InvalidParameter(_))
        ));
    }

    #[test]
    fn values_checked_against_type_and_length() {
        let mut dept = custom("dept", "String");
        dept.string_attribute_constraints = Some(StringConstraints {
            min_length: None,
            max_length: Some("5".into()),
        });
        let s = Schema::for_new_pool(&[dept, custom("age", "Number")]).unwrap();
        assert!(s.check_value("custom:dept", "abcde").is_ok());
        assert!(s.check_value("custom:dept", "abcdef").is_err());
        assert!(s.check_value("name", &"x".repeat(2048)).is_ok());
        let msg = s
            .check_value("name", &"x".repeat(2049))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("2049") && msg.contains("name"));
        assert!(s.check_value("custom:age", "42").is_ok());
        assert!(s.check_value("custom:age", "forty").is_err());
        assert!(s.check_value("email_verified", "yes").is_err());
        assert!(s.check_value("phone_number", "+14155550100").is_ok());
        assert!(s.check_value("phone_number", "4155550100").is_err());
        assert!(s.check_value("email", "not-an-email").is_err());
        assert!(s.check_value("custom:nope", "x").is_err());
    }
}
