//! The vault: makes key pairs and keeps their private halves sealed under the master key, so
//! the store only ever holds ciphertext bound to the row it belongs to.

use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keys::{self, DEFAULT_VALIDITY_DAYS, MasterKey};

/// Seals and opens private keys; generates new identities.
#[derive(Debug)]
pub struct Vault {
    master: MasterKey,
}

impl Vault {
    /// A vault over `master`.
    pub fn new(master: MasterKey) -> Self {
        Vault { master }
    }

    /// A new RSA-2048 key with a self-signed certificate for `common_name`. Returns the
    /// certificate as base64 DER and the private key sealed with `aad`.
    /// `now` (epoch milliseconds) starts the certificate's validity.
    pub fn new_signing_identity(
        &self,
        common_name: &str,
        aad: &str,
        now: i64,
    ) -> Result<(String, String)> {
        let not_before = OffsetDateTime::from_unix_timestamp(now.div_euclid(1000))
            .map_err(|e| Error::Internal(format!("clock out of range: {e}")))?;
        let identity =
            keys::generate_rsa_signing_identity(common_name, not_before, DEFAULT_VALIDITY_DAYS)
                .map_err(|e| Error::Internal(format!("key generation failed: {e}")))?;
        let sealed = self
            .master
            .seal(&identity.private_key_pkcs8, aad.as_bytes())
            .map_err(|e| Error::Internal(format!("sealing failed: {e}")))?;
        Ok((identity.certificate_base64(), sealed))
    }

    /// Opens a sealed private key (PKCS#8 DER).
    pub fn open(&self, sealed: &str, aad: &str) -> Result<Zeroizing<Vec<u8>>> {
        self.master.open(sealed, aad.as_bytes()).map_err(|_| {
            Error::Internal(
                "a stored private key could not be opened: is this the master key the deployment was created with?".into(),
            )
        })
    }
}

/// A freshly made JWT signing key: the sealed private key and its public JWK parameters.
#[derive(Debug)]
pub struct NewJwtKey {
    pub sealed: String,
    pub jwk: keys::RsaPublicJwk,
}

impl Vault {
    /// A new RSA-2048 JWT signing key, sealed with the additional data `aad(kid)` so the
    /// ciphertext is bound to its key id.
    pub fn new_jwt_key(&self, aad: impl Fn(&str) -> String) -> Result<NewJwtKey> {
        use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
        let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|e| Error::Internal(format!("key generation failed: {e}")))?;
        let der: Pkcs8V1Der<'static> = key
            .as_der()
            .map_err(|e| Error::Internal(format!("key encoding failed: {e}")))?;
        let pkcs8 = Zeroizing::new(der.as_ref().to_vec());
        let jwk = keys::rsa_public_jwk(&pkcs8).map_err(|e| Error::Internal(e.to_string()))?;
        let sealed = self
            .master
            .seal(&pkcs8, aad(&jwk.kid).as_bytes())
            .map_err(|e| Error::Internal(format!("sealing failed: {e}")))?;
        Ok(NewJwtKey { sealed, jwk })
    }
}
