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
