//! Member constraints of the Cognito API model (lengths, patterns, ranges, enums), with AWS's
//! wording: `1 validation error detected: Value '<v>' at '<member>' failed to satisfy constraint: ...`.

use std::sync::LazyLock;

use regex::Regex;

use crate::error::{Error, Result};

fn violation(value: &str, member: &str, constraint: &str) -> Error {
    let shown: String = value.chars().take(256).collect();
    Error::InvalidParameter(format!(
        "1 validation error detected: Value '{shown}' at '{member}' failed to satisfy constraint: {constraint}"
    ))
}

/// A required member that is absent.
pub fn missing(member: &str) -> Error {
    Error::InvalidParameter(format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
    ))
}

/// Unwraps a required member or reports it missing.
pub fn required<'a, T>(value: &'a Option<T>, member: &str) -> Result<&'a T> {
    value.as_ref().ok_or_else(|| missing(member))
}

/// Checks a string's length in characters.
pub fn length(value: &str, member: &str, min: usize, max: usize) -> Result<()> {
    let n = value.chars().count();
    if n < min {
        return Err(violation(
            value,
            member,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if n > max {
        return Err(violation(
            value,
            member,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// Checks a string against one of the model's patterns (matched against the whole value).
pub fn pattern(value: &str, member: &str, pattern: &Pattern) -> Result<()> {
    if pattern.regex.is_match(value) {
        Ok(())
    } else {
        Err(violation(
            value,
            member,
            &format!(
                "Member must satisfy regular expression pattern: {}",
                pattern.source
            ),
        ))
    }
}

/// Length and pattern together, the most common pair.
pub fn string(value: &str, member: &str, min: usize, max: usize, p: &Pattern) -> Result<()> {
    length(value, member, min, max)?;
    pattern(value, member, p)
}

/// Checks an integer range.
pub fn range(value: i64, member: &str, min: i64, max: i64) -> Result<()> {
    if value < min {
        return Err(violation(
            &value.to_string(),
            member,
            &format!("Member must have value greater than or equal to {min}"),
        ));
    }
    if value > max {
        return Err(violation(
            &value.to_string(),
            member,
            &format!("Member must have value less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// Checks a value against an enumeration.
pub fn one_of(value: &str, member: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(violation(
            value,
            member,
            &format!(
                "Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ),
        ))
    }
}

/// Checks the number of items in a list.
pub fn count<T>(items: &[T], member: &str, min: usize, max: usize) -> Result<()> {
    let n = items.len();
    if n < min {
        return Err(Error::InvalidParameter(format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {min}"
        )));
    }
    if n > max {
        return Err(Error::InvalidParameter(format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}"
        )));
    }
    Ok(())
}

/// A compiled model pattern that remembers its source text for messages.
pub struct Pattern {
    source: &'static str,
    regex: Regex,
}

impl Pattern {
    fn new(source: &'static str) -> Self {
        // The patterns are constants of this module and compile; a failure is a programming error
        // caught by the unit test below.
        let regex = Regex::new(&format!("^(?:{source})$")).unwrap_or_else(|e| {
            panic!("invalid built-in pattern {source}: {e}");
        });
        Pattern { source, regex }
    }
}

macro_rules! patterns {
    ($($(#[$doc:meta])* $name:ident = $src:expr;)*) => {
        $( $(#[$doc])* pub static $name: LazyLock<Pattern> = LazyLock::new(|| Pattern::new($src)); )*
        #[cfg(test)]
        fn all_patterns() -> Vec<&'static Pattern> { vec![$(&*$name),*] }
    };
}

patterns! {
    /// UserPoolIdType.
    POOL_ID = r"[\w-]+_[0-9a-zA-Z]+";
    /// ClientIdType.
    CLIENT_ID = r"[\w+]+";
    /// UsernameType and GroupNameType.
    USERNAME = r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+";
    /// ProviderNameType (all operations but CreateIdentityProvider).
    PROVIDER_NAME = r"[\p{L}\p{M}\p{S}\p{N}\p{P}\p{Z}]+";
    /// ProviderNameTypeV2 (CreateIdentityProvider).
    PROVIDER_NAME_V2 = r"[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+";
    /// RedirectUrlType.
    REDIRECT_URL = r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+";
    /// ClientSecretType.
    CLIENT_SECRET = r"[\w+]+";
    /// DomainType (prefix domains).
    DOMAIN = r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?";
    /// AttributeNameType.
    ATTRIBUTE_NAME = r"[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r ]+";
    /// CustomAttributeNameType (schema entries).
    CUSTOM_ATTRIBUTE_NAME = r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+";
    /// ClientNameType and UserPoolNameType.
    NAME = r"[\w\s+=,.@-]+";
    /// IdpIdentifierType.
    IDP_IDENTIFIER = r"[\w\s+=.@-]+";
    /// ScopeType.
    SCOPE = r"[\x21\x23-\x5B\x5D-\x7E]+";
    /// ResourceServerIdentifierType.
    RESOURCE_SERVER_IDENTIFIER = r"[\x21\x23-\x5B\x5D-\x7E]+";
    /// ResourceServerNameType.
    RESOURCE_SERVER_NAME = r"[\w\s+=,.@-]+";
    /// ArnType.
    ARN = r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?";
    /// PaginationKey / NextToken.
    NEXT_TOKEN = r"[\S]+";
    /// Verification messages that must carry the code placeholder.
    SMS_MESSAGE = r"(?s).*\{####\}.*";
    /// EmailVerificationMessageType.
    EMAIL_MESSAGE = r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{####\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*";
    /// EmailVerificationSubjectType.
    EMAIL_SUBJECT = r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s]+";
    /// Group precedence-free description etc. accept anything; tokens use TokenModelType.
    TOKEN = r"[A-Za-z0-9-_=.]+";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        assert!(all_patterns().len() > 10);
    }

    #[test]
    fn provider_name_v2_rules() {
        let p = &*PROVIDER_NAME_V2;
        assert!(pattern("CorpSAML", "providerName", p).is_ok());
        assert!(
            pattern("a_bc", "providerName", p).is_ok(),
            "underscore in 2nd place is allowed"
        );
        assert!(pattern("_abc", "providerName", p).is_err());
        assert!(pattern("ab_c", "providerName", p).is_err());
        assert!(
            pattern("ab", "providerName", p).is_err(),
            "at least three characters"
        );
        assert!(pattern("a b c", "providerName", p).is_err());
    }

    #[test]
    fn messages_name_member_and_constraint() {
        let err = length("x".repeat(129).as_str(), "poolName", 1, 128).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("1 validation error detected: Value 'xxx"));
        assert!(msg.contains("at 'poolName'"));
        assert!(msg.ends_with("Member must have length less than or equal to 128"));
        let err = one_of("MAYBE", "mfaConfiguration", &["OFF", "ON"]).unwrap_err();
        assert!(err.to_string().contains("enum value set: [OFF, ON]"));
        assert!(range(61, "maxResults", 1, 60).is_err());
        assert!(range(60, "maxResults", 1, 60).is_ok());
    }

    #[test]
    fn domain_prefix_pattern() {
        assert!(pattern("my-app", "domain", &DOMAIN).is_ok());
        assert!(pattern("-bad", "domain", &DOMAIN).is_err());
        assert!(pattern("Upper", "domain", &DOMAIN).is_err());
        assert!(pattern("auth.example.com", "domain", &DOMAIN).is_err());
    }
}
