//! The certificates SAML federation depends on, and when each stops being valid: every IdP's
//! signing certificates (from its metadata), each pool's SP signing certificate and each
//! provider's SP encryption certificate. An expired IdP certificate stops every sign-in through
//! that IdP; an expired SP certificate makes IdPs refuse signed requests or encrypt to a dead
//! key. Operators see these through `cirrus saml certificates` and a metrics gauge.

use cirrus_saml::cert::Certificate;
use serde::Serialize;

use crate::Result;
use crate::ops::Cirrus;

/// What a certificate is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateRole {
    /// Verifies the IdP's signatures (from its metadata).
    IdpSigning,
    /// The pool's SP certificate: signs AuthnRequests, LogoutRequests and SP metadata.
    SpSigning,
    /// The provider's SP encryption certificate: IdPs encrypt assertions to it.
    SpEncryption,
}

impl CertificateRole {
    /// The role's name, as in JSON output and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateRole::IdpSigning => "idp_signing",
            CertificateRole::SpSigning => "sp_signing",
            CertificateRole::SpEncryption => "sp_encryption",
        }
    }
}

/// One certificate and its validity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateExpiry {
    pub pool_id: String,
    /// The provider, for IdP signing and SP encryption certificates.
    pub provider: Option<String>,
    pub role: CertificateRole,
    /// SHA-256 of the DER, colon-separated upper-case hex (as IdP consoles show it).
    pub fingerprint: String,
    pub subject: String,
    /// Start of validity, epoch seconds.
    pub not_before: i64,
    /// End of validity, epoch seconds.
    pub not_after: i64,
}

/// A certificate that could not be read (reported, not fatal: the others still count).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreadableCertificate {
    pub pool_id: String,
    pub provider: Option<String>,
    pub role: CertificateRole,
    pub reason: String,
}

/// Every certificate, with the ones that could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CertificateReport {
    pub certificates: Vec<CertificateExpiry>,
    pub unreadable: Vec<UnreadableCertificate>,
}

impl CertificateReport {
    fn add(
        &mut self,
        pool_id: &str,
        provider: Option<&str>,
        role: CertificateRole,
        cert: std::result::Result<Certificate, String>,
    ) {
        match cert {
            Ok(c) => self.certificates.push(CertificateExpiry {
                pool_id: pool_id.to_string(),
                provider: provider.map(str::to_string),
                role,
                fingerprint: c.fingerprint_hex(),
                subject: c.subject.clone(),
                not_before: c.not_before.unix_timestamp(),
                not_after: c.not_after.unix_timestamp(),
            }),
            Err(reason) => self.unreadable.push(UnreadableCertificate {
                pool_id: pool_id.to_string(),
                provider: provider.map(str::to_string),
                role,
                reason,
            }),
        }
    }
}

impl Cirrus {
    /// The certificates of every pool (or of `pool`), soonest expiry first.
    pub async fn certificate_report(&self, pool: Option<&str>) -> Result<CertificateReport> {
        let pools = match pool {
            Some(id) => vec![self.pool(id).await?],
            None => self.all_pools().await?,
        };
        let mut report = CertificateReport::default();
        for pool in &pools {
            if let Some(key) = self.store.pool_signing_key(&pool.id).await? {
                let cert = Certificate::from_base64(&key.certificate).map_err(|e| e.to_string());
                report.add(&pool.id, None, CertificateRole::SpSigning, cert);
            }
            for provider in self.all_providers(&pool.id).await? {
                if provider.provider_type != "SAML" {
                    continue;
                }
                let name = Some(provider.provider_name.as_str());
                match self.metadata_of(&provider) {
                    Some(metadata) => {
                        for cert in &metadata.signing_certificates {
                            report.add(
                                &pool.id,
                                name,
                                CertificateRole::IdpSigning,
                                Ok(cert.clone()),
                            );
                        }
                    }
                    None => report.add(
                        &pool.id,
                        name,
                        CertificateRole::IdpSigning,
                        Err("the provider's metadata does not parse".into()),
                    ),
                }
                if let Some(pem) = &provider.encryption_certificate {
                    let cert = Certificate::from_pem(pem).map_err(|e| e.to_string());
                    report.add(&pool.id, name, CertificateRole::SpEncryption, cert);
                }
            }
        }
        report.certificates.sort_by(|a, b| {
            a.not_after
                .cmp(&b.not_after)
                .then(a.pool_id.cmp(&b.pool_id))
        });
        Ok(report)
    }
}
