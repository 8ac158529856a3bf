//! Identifiers in the shapes Cognito uses (spec §1.4).

use rand::RngExt;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn random_from(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// A user pool id: `<region>_<9 alphanumerics>`.
pub fn user_pool_id(region: &str) -> String {
    format!("{region}_{}", random_from(ALNUM, 9))
}

/// An app client id: 26 lower-case alphanumerics.
pub fn client_id() -> String {
    random_from(LOWER_ALNUM, 26)
}

/// A generated client secret: 51 lower-case alphanumerics.
pub fn client_secret() -> String {
    random_from(LOWER_ALNUM, 51)
}

/// A random UUID v4, as `sub` values are.
pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The ARN of a user pool.
pub fn pool_arn(region: &str, account_id: &str, pool_id: &str) -> String {
    format!("arn:aws:cognito-idp:{region}:{account_id}:userpool/{pool_id}")
}

/// The pool id inside a user pool ARN, if the ARN is one.
pub fn pool_id_from_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (arn_lit, _partition, service) = (parts.next()?, parts.next()?, parts.next()?);
    let (_region, _account, resource) = (parts.next()?, parts.next()?, parts.next()?);
    if arn_lit != "arn" || service != "cognito-idp" {
        return None;
    }
    resource
        .strip_prefix("userpool/")
        .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_ids_have_cognito_shape() {
        let id = user_pool_id("eu-west-1");
        let (region, rest) = id.split_once('_').unwrap();
        assert_eq!(region, "eu-west-1");
        assert_eq!(rest.len(), 9);
        assert!(rest.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn client_ids_and_secrets() {
        let id = client_id();
        assert_eq!(id.len(), 26);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_eq!(client_secret().len(), 51);
        assert_ne!(client_id(), client_id());
    }

    #[test]
    fn arn_round_trip() {
        let arn = pool_arn("us-east-1", "000000000000", "us-east-1_AbC123xyZ");
        assert_eq!(
            arn,
            "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_AbC123xyZ"
        );
        assert_eq!(pool_id_from_arn(&arn), Some("us-east-1_AbC123xyZ"));
        assert_eq!(pool_id_from_arn("arn:aws:s3:::bucket"), None);
        assert_eq!(
            pool_id_from_arn("arn:aws:cognito-idp:us-east-1:0:userpool/"),
            None
        );
        assert_eq!(pool_id_from_arn("nonsense"), None);
    }
}
