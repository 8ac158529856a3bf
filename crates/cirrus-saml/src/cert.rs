//! X.509 certificates configured as trust anchors (read with x509-parser).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;

use crate::error::CertificateError;

/// A parsed X.509 certificate: the parts Cirrus shows to admins and verifies with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The certificate DER.
    pub der: Vec<u8>,
    /// Subject distinguished name (RFC 4514 style).
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// SHA-256 of the DER.
    pub sha256_fingerprint: [u8; 32],
    /// DER SubjectPublicKeyInfo, the key used to verify signatures.
    pub spki_der: Vec<u8>,
}

impl Certificate {
    /// Parses a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        let (rest, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| CertificateError::Der(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CertificateError::TrailingBytes(rest.len()));
        }
        let validity = cert.validity();
        let not_before = OffsetDateTime::from_unix_timestamp(validity.not_before.timestamp())
            .map_err(|_| CertificateError::Validity)?;
        let not_after = OffsetDateTime::from_unix_timestamp(validity.not_after.timestamp())
            .map_err(|_| CertificateError::Validity)?;
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
        let mut sha256_fingerprint = [0u8; 32];
        sha256_fingerprint.copy_from_slice(digest.as_ref());
        Ok(Certificate {
            der: der.to_vec(),
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before,
            not_after,
            sha256_fingerprint,
            spki_der: cert.public_key().raw.to_vec(),
        })
    }

    /// Parses base64 DER as found in `ds:X509Certificate` (whitespace anywhere is ignored).
    pub fn from_base64(text: &str) -> Result<Self, CertificateError> {
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = STANDARD
            .decode(compact.as_bytes())
            .map_err(|e| CertificateError::Base64(e.to_string()))?;
        Self::from_der(&der)
    }

    /// Parses the first `-----BEGIN CERTIFICATE-----` block of a PEM text, or bare base64.
    pub fn from_pem(text: &str) -> Result<Self, CertificateError> {
        match crate::pem::block_body(text, "CERTIFICATE") {
            Ok(body) => Self::from_base64(body),
            Err(crate::pem::PemError::NoBlock(_)) if !text.contains("-----BEGIN") => {
                Self::from_base64(text)
            }
            Err(_) => Err(CertificateError::NoPemBlock),
        }
    }

    /// SHA-256 fingerprint as colon-separated upper-case hex (`AB:CD:...`).
    pub fn fingerprint_hex(&self) -> String {
        self.sha256_fingerprint
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// Whether `now` lies within the validity period.
    pub fn is_valid_at(&self, now: OffsetDateTime) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rcgen_certificate_in_der_base64_and_pem() {
        let ck = rcgen::generate_simple_self_signed(vec!["idp.example".to_string()]).unwrap();
        let der = ck.cert.der().to_vec();
        let c = Certificate::from_der(&der).unwrap();
        assert!(c.subject.contains("rcgen"));
        assert_eq!(c.fingerprint_hex().len(), 32 * 3 - 1);
        let b64 = STANDARD.encode(&der);
        let wrapped: String = b64
            .as_bytes()
            .chunks(64)
            .map(|c| format!("\n   {}", String::from_utf8_lossy(c)))
            .collect();
        assert_eq!(Certificate::from_base64(&wrapped).unwrap(), c);
        assert_eq!(Certificate::from_pem(&ck.cert.pem()).unwrap(), c);
        assert!(c.is_valid_at(OffsetDateTime::now_utc()));
    }

    #[test]
    fn rejects_garbage() {
        assert!(matches!(
            Certificate::from_base64("!!!"),
            Err(CertificateError::Base64(_))
        ));
        assert!(matches!(
            Certificate::from_base64("AAAA"),
            Err(CertificateError::Der(_))
        ));
        assert_eq!(
            Certificate::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n"),
            Err(CertificateError::NoPemBlock)
        );
    }
}
