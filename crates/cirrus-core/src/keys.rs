//! Key material: the deployment's master key, sealing of secrets at rest, and
//! generation of RSA signing identities (key pair plus self-signed certificate).
//!
//! Private keys (SAML signing and encryption keys, JWT signing keys) are stored
//! in the store only as [`MasterKey::seal`]ed text. The additional authenticated
//! data (AAD) passed to `seal` and `open` names the row a ciphertext belongs to,
//! for example `pool:us-east-1_AbC123xyZ:saml-signing`, so a ciphertext copied
//! into another row no longer opens.
//!
//! # Master key file format
//!
//! One line: the standard base64 encoding (with padding) of exactly 32 random
//! bytes, optionally followed by a newline. Surrounding whitespace is ignored;
//! anything else is rejected. Generate one by hand with
//! `head -c 32 /dev/urandom | base64 > master.key`.
//!
//! # Sealed text format
//!
//! `v1.` followed by the standard base64 (with padding) of
//! `nonce (12 bytes) ‖ ciphertext ‖ GCM tag (16 bytes)`, AES-256-GCM under the
//! master key with a random 96-bit nonce.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::digest;
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

/// Length of the master key in bytes (AES-256).
pub const MASTER_KEY_LEN: usize = 32;

/// Default certificate validity, ten years (as Cognito's pool signing
/// certificates): 3653 days covers ten calendar years with up to three leap days.
pub const DEFAULT_VALIDITY_DAYS: u32 = 3653;

const SEALED_PREFIX: &str = "v1.";
const TAG_LEN: usize = 16;

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The master key file could not be read or written.
    #[error("master key file {path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },
    /// The master key file exists but does not hold a valid key.
    #[error("master key file {path}: {reason}")]
    KeyFileFormat {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A sealed value could not be opened. Deliberately uniform: the wrong key, the
    /// wrong AAD, a modified or truncated ciphertext and an unknown version all
    /// produce this error.
    #[error("sealed value could not be opened (wrong master key, wrong context, or corrupted)")]
    Unseal,
    /// The system random number generator or the AEAD failed.
    #[error("cryptographic operation failed: {0}")]
    Crypto(&'static str),
    /// A PKCS#8 private key could not be parsed as an RSA key.
    #[error("invalid RSA private key: {0}")]
    InvalidPrivateKey(String),
    /// Certificate generation failed.
    #[error("certificate generation failed: {0}")]
    Certificate(String),
    /// A parameter of certificate generation is out of range.
    #[error("invalid certificate parameter: {0}")]
    InvalidParameter(&'static str),
}

/// The deployment's 256-bit master key. Its bytes are wiped on drop and never
/// printed by `Debug`.
pub struct MasterKey {
    bytes: Zeroizing<[u8; MASTER_KEY_LEN]>,
    aead: LessSafeKey,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// Builds a master key from raw bytes (tests, or keys obtained elsewhere).
    pub fn from_bytes(bytes: [u8; MASTER_KEY_LEN]) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(bytes);
        let unbound = UnboundKey::new(&AES_256_GCM, bytes.as_ref())
            .map_err(|_| KeyError::Crypto("AES-256-GCM key setup"))?;
        Ok(Self {
            bytes,
            aead: LessSafeKey::new(unbound),
        })
    }

    /// Generates a fresh random master key.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new([0u8; MASTER_KEY_LEN]);
        aws_lc_rs::rand::fill(bytes.as_mut())
            .map_err(|_| KeyError::Crypto("random number generator"))?;
        Self::from_bytes(*bytes)
    }

    /// Parses the key file format (see the module documentation); the error is
    /// the reason, without the path.
    fn from_file_contents(contents: &str) -> Result<Self, String> {
        let text = contents.trim();
        if text.is_empty() {
            return Err("file is empty; expected the base64 encoding of 32 bytes".to_owned());
        }
        let decoded = Zeroizing::new(STANDARD.decode(text).map_err(|_| {
            "not valid base64; expected the base64 encoding of 32 bytes on one line".to_owned()
        })?);
        let bytes: [u8; MASTER_KEY_LEN] = decoded.as_slice().try_into().map_err(|_| {
            format!(
                "key is {} bytes long; expected exactly {MASTER_KEY_LEN} bytes (base64-encoded)",
                decoded.len()
            )
        })?;
        Self::from_bytes(bytes).map_err(|e| e.to_string())
    }

    /// The key in the file format: base64 of the 32 bytes and a newline.
    pub fn to_file_contents(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(STANDARD.encode(self.bytes.as_ref()));
        s.push('\n');
        s
    }

    /// Reads a key file (see the module documentation for the format).
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let contents = Zeroizing::new(fs::read_to_string(path).map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })?);
        Self::from_file_contents(&contents).map_err(|reason| KeyError::KeyFileFormat {
            path: path.to_owned(),
            reason,
        })
    }

    /// Reads the key file, or, if it does not exist, generates a key and writes it
    /// there (mode 0600 on Unix; missing parent directories are created). If two
    /// processes race to create it, the loser reads the winner's key.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        match Self::load(path) {
            Err(KeyError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
            other => return other,
        }
        let io_err = |source| KeyError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(io_err)?;
        }
        let key = Self::generate()?;
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = match options.open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Self::load(path),
            Err(e) => return Err(io_err(e)),
        };
        file.write_all(key.to_file_contents().as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(io_err)?;
        Ok(key)
    }

    /// Encrypts `plaintext` with AES-256-GCM under a random nonce, binding it to
    /// `aad`. Returns the versioned text form `v1.<base64>`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<String, KeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce)
            .map_err(|_| KeyError::Crypto("random number generator"))?;
        let mut buf = Zeroizing::new(Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN));
        buf.extend_from_slice(plaintext);
        self.aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut *buf,
            )
            .map_err(|_| KeyError::Crypto("AES-256-GCM seal"))?;
        let mut out = Vec::with_capacity(NONCE_LEN + buf.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        Ok(format!("{SEALED_PREFIX}{}", STANDARD.encode(out)))
    }

    /// Decrypts a value produced by [`seal`](Self::seal) with the same `aad`.
    /// Every failure is [`KeyError::Unseal`].
    pub fn open(&self, sealed: &str, aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let body = sealed.strip_prefix(SEALED_PREFIX).ok_or(KeyError::Unseal)?;
        let raw = STANDARD.decode(body).map_err(|_| KeyError::Unseal)?;
        if raw.len() < NONCE_LEN + TAG_LEN {
            return Err(KeyError::Unseal);
        }
        let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| KeyError::Unseal)?;
        let mut buf = Zeroizing::new(ciphertext.to_vec());
        let len = self
            .aead
            .open_in_place(nonce, Aad::from(aad), &mut buf)
            .map_err(|_| KeyError::Unseal)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

/// An RSA key pair and its self-signed certificate, freshly generated.
pub struct GeneratedIdentity {
    /// The private key, PKCS#8 v1 DER (seal it before storing).
    pub private_key_pkcs8: Zeroizing<Vec<u8>>,
    /// The self-signed X.509 certificate, DER.
    pub certificate_der: Vec<u8>,
    /// Start of the certificate's validity (whole seconds).
    pub not_before: OffsetDateTime,
    /// End of the certificate's validity (whole seconds).
    pub not_after: OffsetDateTime,
}

impl fmt::Debug for GeneratedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedIdentity")
            .field("private_key_pkcs8", &"<redacted>")
            .field(
                "certificate_der",
                &format_args!("{} bytes", self.certificate_der.len()),
            )
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish()
    }
}

impl GeneratedIdentity {
    /// The certificate as base64 DER without PEM armour (GetSigningCertificate's form).
    pub fn certificate_base64(&self) -> String {
        certificate_der_to_base64(&self.certificate_der)
    }

    /// The certificate as PEM.
    pub fn certificate_pem(&self) -> String {
        certificate_der_to_pem(&self.certificate_der)
    }

    /// The public key as JWK parameters.
    pub fn rsa_public_jwk(&self) -> Result<RsaPublicJwk, KeyError> {
        rsa_public_jwk(&self.private_key_pkcs8)
    }
}

/// Generates an RSA-2048 key and a self-signed X.509 certificate (SHA-256 with
/// RSA) whose subject and issuer are `CN=<common_name>`, with a random 128-bit
/// serial, valid from `not_before` (truncated to whole seconds) for
/// `validity_days` days ([`DEFAULT_VALIDITY_DAYS`] is ten years).
pub fn generate_rsa_signing_identity(
    common_name: &str,
    not_before: OffsetDateTime,
    validity_days: u32,
) -> Result<GeneratedIdentity, KeyError> {
    if common_name.is_empty() {
        return Err(KeyError::InvalidParameter("common name is empty"));
    }
    if validity_days == 0 {
        return Err(KeyError::InvalidParameter(
            "validity must be at least one day",
        ));
    }
    let not_before = not_before
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .map_err(|_| KeyError::InvalidParameter("not_before"))?;
    let not_after = not_before
        .checked_add(Duration::days(i64::from(validity_days)))
        .ok_or(KeyError::InvalidParameter("validity end out of range"))?;

    let rsa = RsaKeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| KeyError::Crypto("RSA key generation"))?;
    let pkcs8: Pkcs8V1Der<'static> = rsa
        .as_der()
        .map_err(|_| KeyError::Crypto("PKCS#8 encoding"))?;
    let private_key_pkcs8 = Zeroizing::new(pkcs8.as_ref().to_vec());
    let signing_key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &private_key_pkcs8.as_slice().into(),
        &rcgen::PKCS_RSA_SHA256,
    )
    .map_err(|e| KeyError::Certificate(e.to_string()))?;

    let mut serial = [0u8; 16];
    aws_lc_rs::rand::fill(&mut serial).map_err(|_| KeyError::Crypto("random number generator"))?;
    serial[0] &= 0x7f; // positive INTEGER
    serial[0] |= 0x01; // and no leading zero byte to strip

    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
    let certificate = params
        .self_signed(&signing_key)
        .map_err(|e| KeyError::Certificate(e.to_string()))?;

    Ok(GeneratedIdentity {
        private_key_pkcs8,
        certificate_der: certificate.der().to_vec(),
        not_before,
        not_after,
    })
}

/// Certificate DER as standard base64 without PEM armour or line breaks.
pub fn certificate_der_to_base64(der: &[u8]) -> String {
    STANDARD.encode(der)
}

/// Certificate DER as PEM (`-----BEGIN CERTIFICATE-----`, 64-column lines).
pub fn certificate_der_to_pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut pem = String::with_capacity(b64.len() + b64.len() / 64 + 60);
    pem.push_str("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk boundary is a char boundary.
        pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// The public half of an RSA key in JWK terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaPublicJwk {
    /// Key id: standard base64 (44 characters, with padding) of the SHA-256 of
    /// the SubjectPublicKeyInfo DER; deterministic, and shaped like Cognito's.
    pub kid: String,
    /// Modulus, base64url without padding (JWK `n`).
    pub n: String,
    /// Public exponent, base64url without padding (JWK `e`, normally `AQAB`).
    pub e: String,
}

/// Derives the JWK parameters (`kid`, `n`, `e`) of an RSA PKCS#8 private key.
pub fn rsa_public_jwk(private_key_pkcs8: &[u8]) -> Result<RsaPublicJwk, KeyError> {
    let rsa = RsaKeyPair::from_pkcs8(private_key_pkcs8)
        .map_err(|e| KeyError::InvalidPrivateKey(e.to_string()))?;
    let public = rsa.public_key();
    let spki: PublicKeyX509Der<'static> = public
        .as_der()
        .map_err(|_| KeyError::Crypto("SubjectPublicKeyInfo encoding"))?;
    let kid = STANDARD.encode(digest::digest(&digest::SHA256, spki.as_ref()));
    Ok(RsaPublicJwk {
        kid,
        n: URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
        e: URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{self, UnparsedPublicKey};
    use time::macros::datetime;
    use x509_parser::prelude::{FromDer as _, X509Certificate};
    use x509_parser::public_key::{PublicKey, RSAPublicKey};

    fn key(byte: u8) -> MasterKey {
        MasterKey::from_bytes([byte; MASTER_KEY_LEN]).unwrap()
    }

    const AAD: &[u8] = b"pool:us-east-1_AbC123xyZ:saml-signing";

    #[test]
    fn seal_open_round_trip() {
        let k = key(7);
        for plaintext in [&b""[..], b"x", b"a private key, more or less", &[0u8; 5000]] {
            let sealed = k.seal(plaintext, AAD).unwrap();
            assert!(sealed.starts_with("v1."));
            assert!(sealed.is_ascii());
            assert_eq!(k.open(&sealed, AAD).unwrap().as_slice(), plaintext);
        }
    }

    #[test]
    fn nonces_differ() {
        let k = key(7);
        assert_ne!(k.seal(b"same", AAD).unwrap(), k.seal(b"same", AAD).unwrap());
    }

    fn assert_unseal(r: Result<Zeroizing<Vec<u8>>, KeyError>) {
        assert!(matches!(r, Err(KeyError::Unseal)), "{r:?}");
    }

    #[test]
    fn tampering_fails_uniformly() {
        let k = key(7);
        let sealed = k.seal(b"secret material", AAD).unwrap();
        let raw = STANDARD.decode(&sealed[3..]).unwrap();

        // Flip each byte in turn: nonce, ciphertext and tag are all covered.
        for i in 0..raw.len() {
            let mut t = raw.clone();
            t[i] ^= 0x01;
            assert_unseal(k.open(&format!("v1.{}", STANDARD.encode(&t)), AAD));
        }
        // Wrong AAD: the ciphertext was moved to another row.
        assert_unseal(k.open(&sealed, b"pool:us-east-1_Other:saml-signing"));
        assert_unseal(k.open(&sealed, b""));
        // Wrong key.
        assert_unseal(key(8).open(&sealed, AAD));
        // Truncated, at every length.
        for n in 0..raw.len() {
            assert_unseal(k.open(&format!("v1.{}", STANDARD.encode(&raw[..n])), AAD));
        }
        assert_unseal(k.open(&sealed[..sealed.len() - 4], AAD));
        // Version and encoding.
        assert_unseal(k.open(&format!("v2.{}", &sealed[3..]), AAD));
        assert_unseal(k.open(&sealed[3..], AAD));
        assert_unseal(k.open("", AAD));
        assert_unseal(k.open("v1.", AAD));
        assert_unseal(k.open("v1.!!!not base64!!!", AAD));
        assert_unseal(k.open(&format!("{sealed}="), AAD));
    }

    #[test]
    fn swapped_rows_are_detected() {
        let k = key(1);
        let a = k.seal(b"key of pool A", b"pool:A:saml-signing").unwrap();
        let b = k.seal(b"key of pool B", b"pool:B:saml-signing").unwrap();
        assert_unseal(k.open(&a, b"pool:B:saml-signing"));
        assert_unseal(k.open(&b, b"pool:A:saml-signing"));
        assert_eq!(
            k.open(&a, b"pool:A:saml-signing").unwrap().as_slice(),
            b"key of pool A"
        );
    }

    #[test]
    fn debug_redacts() {
        assert_eq!(format!("{:?}", key(9)), "MasterKey(<redacted>)");
    }

    #[test]
    fn file_format() {
        let k = MasterKey::generate().unwrap();
        let text = k.to_file_contents();
        assert!(text.ends_with('\n'));
        let again = MasterKey::from_file_contents(&text).unwrap();
        let sealed = k.seal(b"x", AAD).unwrap();
        assert_eq!(again.open(&sealed, AAD).unwrap().as_slice(), b"x");
        // Surrounding whitespace is fine.
        assert!(MasterKey::from_file_contents(&format!("  {}\r\n\n", text.trim())).is_ok());

        let short = STANDARD.encode([0u8; 31]);
        let err = MasterKey::from_file_contents(&short).unwrap_err();
        assert!(err.contains("31 bytes"), "{err}");
        let long = STANDARD.encode([0u8; 33]);
        assert!(
            MasterKey::from_file_contents(&long)
                .unwrap_err()
                .contains("33 bytes")
        );
        assert!(
            MasterKey::from_file_contents("")
                .unwrap_err()
                .contains("empty")
        );
        assert!(
            MasterKey::from_file_contents("not base64 at all")
                .unwrap_err()
                .contains("base64")
        );
        // Hex of 32 bytes is not accepted as base64 of 32 bytes.
        assert!(MasterKey::from_file_contents(&"ab".repeat(32)).is_err());
    }

    fn temp_dir(name: &str) -> PathBuf {
        let mut nonce = [0u8; 8];
        aws_lc_rs::rand::fill(&mut nonce).unwrap();
        let dir = std::env::temp_dir().join(format!("cirrus-keys-{name}-{}", hex_str(&nonce)));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn hex_str(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn load_or_create_creates_0600_and_reloads() {
        let dir = temp_dir("create");
        let path = dir.join("sub").join("master.key");
        let k1 = MasterKey::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let contents = fs::read_to_string(&path).unwrap();
        assert_eq!(contents.len(), 45); // 44 base64 characters and a newline
        let k2 = MasterKey::load_or_create(&path).unwrap();
        let k3 = MasterKey::load(&path).unwrap();
        let sealed = k1.seal(b"persisted", AAD).unwrap();
        assert_eq!(k2.open(&sealed, AAD).unwrap().as_slice(), b"persisted");
        assert_eq!(k3.open(&sealed, AAD).unwrap().as_slice(), b"persisted");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn load_errors() {
        let dir = temp_dir("errors");
        let missing = dir.join("absent.key");
        assert!(matches!(
            MasterKey::load(&missing),
            Err(KeyError::Io { .. })
        ));
        let bad = dir.join("bad.key");
        fs::write(&bad, STANDARD.encode([1u8; 16])).unwrap();
        let err = MasterKey::load(&bad).unwrap_err();
        assert!(matches!(err, KeyError::KeyFileFormat { .. }));
        let msg = err.to_string();
        assert!(msg.contains("bad.key") && msg.contains("16 bytes"), "{msg}");
        // load_or_create never overwrites an invalid existing file.
        assert!(matches!(
            MasterKey::load_or_create(&bad),
            Err(KeyError::KeyFileFormat { .. })
        ));
        assert_eq!(
            fs::read_to_string(&bad).unwrap(),
            STANDARD.encode([1u8; 16])
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn generated_identity_is_a_valid_self_signed_certificate() {
        let not_before = datetime!(2026-11-22 01:40:12.345 UTC);
        let cn = "urn:amazon:cognito:sp:us-east-1_AbC123xyZ";
        let id = generate_rsa_signing_identity(cn, not_before, DEFAULT_VALIDITY_DAYS).unwrap();
        assert_eq!(id.not_before, datetime!(2026-11-22 01:40:12 UTC));
        assert_eq!(id.not_after, datetime!(2036-11-22 01:40:12 UTC));

        let (rest, cert) = X509Certificate::from_der(&id.certificate_der).unwrap();
        assert!(rest.is_empty());
        let cns: Vec<_> = cert
            .subject()
            .iter_common_name()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(cns, [cn]);
        assert_eq!(cert.subject(), cert.issuer());
        assert_eq!(
            cert.validity().not_before.timestamp(),
            id.not_before.unix_timestamp()
        );
        assert_eq!(
            cert.validity().not_after.timestamp(),
            id.not_after.unix_timestamp()
        );
        assert!(cert.tbs_certificate.raw_serial().len() <= 16);
        // Self-signature verifies.
        cert.verify_signature(None).unwrap();

        // The certificate's key is the generated key: sign with the private key,
        // verify with the certificate's public key.
        let rsa = RsaKeyPair::from_pkcs8(&id.private_key_pkcs8).unwrap();
        assert_eq!(rsa.public_modulus_len(), 256);
        let msg = b"<samlp:AuthnRequest/>";
        let mut sig = vec![0u8; rsa.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        rsa.sign(&signature::RSA_PKCS1_SHA256, &rng, msg, &mut sig)
            .unwrap();
        let spk = cert.public_key().subject_public_key.data.to_vec();
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &spk)
            .verify(msg, &sig)
            .unwrap();
        assert!(
            UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &spk)
                .verify(b"other", &sig)
                .is_err()
        );

        // Encodings.
        let b64 = id.certificate_base64();
        assert_eq!(STANDARD.decode(&b64).unwrap(), id.certificate_der);
        assert!(!b64.contains('\n') && !b64.contains("BEGIN"));
        let pem = id.certificate_pem();
        let (_, parsed) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
        assert_eq!(parsed.contents, id.certificate_der);
        assert!(pem.lines().all(|l| l.len() <= 64));

        // JWK parameters match the certificate's key; kid is deterministic.
        let jwk = id.rsa_public_jwk().unwrap();
        assert_eq!(jwk.e, "AQAB");
        let RSAPublicKey { modulus, .. } = match cert.public_key().parsed().unwrap() {
            PublicKey::RSA(k) => k,
            other => panic!("not RSA: {other:?}"),
        };
        let modulus: Vec<u8> = modulus.iter().copied().skip_while(|b| *b == 0).collect();
        assert_eq!(URL_SAFE_NO_PAD.decode(&jwk.n).unwrap(), modulus);
        assert_eq!(jwk.kid.len(), 44);
        let spki_digest = digest::digest(&digest::SHA256, cert.public_key().raw);
        assert_eq!(STANDARD.decode(&jwk.kid).unwrap(), spki_digest.as_ref());
        assert_eq!(rsa_public_jwk(&id.private_key_pkcs8).unwrap(), jwk);

        // Debug never shows the private key.
        assert!(format!("{id:?}").contains("<redacted>"));
    }

    #[test]
    fn identities_are_distinct() {
        let now = OffsetDateTime::now_utc();
        let a = generate_rsa_signing_identity("a", now, 1).unwrap();
        let b = generate_rsa_signing_identity("a", now, 1).unwrap();
        assert_ne!(
            a.rsa_public_jwk().unwrap().kid,
            b.rsa_public_jwk().unwrap().kid
        );
        let (_, ca) = X509Certificate::from_der(&a.certificate_der).unwrap();
        let (_, cb) = X509Certificate::from_der(&b.certificate_der).unwrap();
        assert_ne!(ca.raw_serial(), cb.raw_serial());
    }

    #[test]
    fn generation_rejects_bad_parameters() {
        let now = OffsetDateTime::now_utc();
        assert!(matches!(
            generate_rsa_signing_identity("", now, 10),
            Err(KeyError::InvalidParameter(_))
        ));
        assert!(matches!(
            generate_rsa_signing_identity("x", now, 0),
            Err(KeyError::InvalidParameter(_))
        ));
        assert!(matches!(
            rsa_public_jwk(b"junk"),
            Err(KeyError::InvalidPrivateKey(_))
        ));
    }
}
