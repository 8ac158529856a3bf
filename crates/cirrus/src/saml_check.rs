//! `cirrus saml check`: validate one SAMLResponse against IdP metadata, offline, and print a
//! JSON report of every check (what the ACS would decide, and why).

use std::path::PathBuf;
use std::time::Duration;

use cirrus_saml::OffsetDateTime;
use cirrus_saml::datetime::{format_datetime, parse_datetime};
use cirrus_saml::dsig::AlgorithmPolicy;
use cirrus_saml::metadata::parse_idp_metadata;
use cirrus_saml::response::{
    Assertion, Expectations, ProviderTrust, ValidationReport, validate_response_report,
    validate_response_xml_report,
};
use cirrus_saml::xenc::DecryptionKey;
use serde_json::{Value, json};

/// Arguments of `cirrus saml check`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// IdP metadata file (EntityDescriptor or EntitiesDescriptor).
    #[arg(long, value_name = "FILE")]
    pub idp_metadata: PathBuf,
    /// Our SP entity ID (the expected Audience).
    #[arg(long, value_name = "ID")]
    pub sp_entity_id: String,
    /// Our ACS URL (the expected Destination and Recipient).
    #[arg(long, value_name = "URL")]
    pub acs_url: String,
    /// The pending AuthnRequest ID; without it an unsolicited response is allowed.
    #[arg(long, value_name = "ID")]
    pub request_id: Option<String>,
    /// Validate as of this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Allowed clock skew in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 180)]
    pub clock_skew: u64,
    /// Accept SHA-1 digests and RSA-SHA1 signatures.
    #[arg(long)]
    pub allow_sha1: bool,
    /// Pick this IdP from an EntitiesDescriptor.
    #[arg(long, value_name = "ID")]
    pub entity_id: Option<String>,
    /// SP private key (PKCS#8 PEM) to decrypt encrypted assertions.
    #[arg(long, value_name = "PEM")]
    pub sp_key: Option<PathBuf>,
    /// File holding the base64 SAMLResponse or its XML.
    #[arg(value_name = "RESPONSE")]
    pub response: PathBuf,
}

/// Runs the check, prints one JSON object on stdout and returns the exit status:
/// 0 valid, 1 invalid, 2 usage error, unreadable file or unusable metadata.
pub fn run(args: Args) -> i32 {
    let (report, code) = evaluate(&args, OffsetDateTime::now_utc());
    println!("{report}");
    code
}

fn failure(check: &str, detail: String, checks: Vec<Value>) -> Value {
    json!({"ok": false, "checks": checks, "check": check, "detail": detail})
}

fn read(path: &PathBuf, what: &str) -> Result<String, Value> {
    std::fs::read_to_string(path).map_err(|e| {
        failure(
            "usage",
            format!("cannot read {what} {}: {e}", path.display()),
            vec![],
        )
    })
}

/// The JSON report and exit status for `args`, with `wall_clock` used when `--now` is absent.
pub fn evaluate(args: &Args, wall_clock: OffsetDateTime) -> (Value, i32) {
    let now = match &args.now {
        Some(text) => match parse_datetime(text) {
            Ok(t) => t,
            Err(e) => return (failure("usage", format!("--now: {e}"), vec![]), 2),
        },
        None => wall_clock,
    };
    let metadata_xml = match read(&args.idp_metadata, "IdP metadata") {
        Ok(t) => t,
        Err(v) => return (v, 2),
    };
    let response_text = match read(&args.response, "response") {
        Ok(t) => t,
        Err(v) => return (v, 2),
    };
    let mut checks = Vec::new();
    let mut decryption_keys = Vec::new();
    if let Some(path) = &args.sp_key {
        let pem = match read(path, "SP key") {
            Ok(t) => t,
            Err(v) => return (v, 2),
        };
        match DecryptionKey::from_pem(&pem) {
            Ok(k) => decryption_keys.push(k),
            Err(e) => return (failure("usage", format!("--sp-key: {e}"), vec![]), 2),
        }
        checks.push(json!({"name": "sp_key", "ok": true, "detail": "SP decryption key read"}));
    }
    let metadata = match parse_idp_metadata(&metadata_xml, args.entity_id.as_deref()) {
        Ok(m) => m,
        Err(e) => {
            let detail = e.to_string();
            checks.push(json!({"name": "metadata", "ok": false, "detail": detail}));
            return (failure("metadata", detail, checks), 2);
        }
    };
    checks.push(json!({"name": "metadata", "ok": true, "detail": format!(
        "IdP {} with {} signing certificate(s)",
        metadata.entity_id,
        metadata.signing_certificates.len()
    )}));

    let trust = ProviderTrust {
        entity_id: metadata.entity_id.clone(),
        signing_certificates: metadata.signing_certificates.clone(),
        algorithms: AlgorithmPolicy {
            allow_sha1: args.allow_sha1,
        },
        decryption_keys,
        allow_expired_certificates: false,
    };
    let mut expect = Expectations::new(
        args.sp_entity_id.clone(),
        args.acs_url.clone(),
        args.request_id.clone(),
        now,
    );
    expect.clock_skew = Duration::from_secs(args.clock_skew);

    let trimmed = response_text.trim_start_matches('\u{feff}').trim();
    let report: ValidationReport = if trimmed.starts_with('<') {
        validate_response_xml_report(trimmed, &trust, &expect)
    } else {
        validate_response_report(trimmed, &trust, &expect)
    };
    checks.extend(
        report
            .checks
            .iter()
            .map(|c| json!({"name": c.name, "ok": c.ok, "detail": c.detail})),
    );
    match report.result {
        Ok(a) => (
            json!({"ok": true, "checks": checks, "assertion": assertion_json(&a)}),
            0,
        ),
        Err(e) => (failure(e.check(), e.to_string(), checks), 1),
    }
}

fn assertion_json(a: &Assertion) -> Value {
    json!({
        "issuer": a.issuer,
        "name_id": {"value": a.name_id.value, "format": a.name_id.format},
        "session_index": a.session_index,
        "authn_instant": format_datetime(a.authn_instant),
        "not_on_or_after": format_datetime(a.not_on_or_after),
        "attributes": a.attributes.iter().map(|at| json!({
            "name": at.name,
            "friendly_name": at.friendly_name,
            "values": at.values,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fixtures() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cirrus-saml/tests/fixtures")
    }

    fn write_metadata(dir: &std::path::Path) -> PathBuf {
        let pem = std::fs::read_to_string(fixtures().join("keys/idp-rsa.crt")).unwrap();
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let xml = format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example.test/saml"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
        );
        let path = dir.join("idp.xml");
        std::fs::write(&path, xml).unwrap();
        path
    }

    fn args(dir: &std::path::Path, response: PathBuf) -> Args {
        Args {
            idp_metadata: write_metadata(dir),
            sp_entity_id: "https://sp.example.test".into(),
            acs_url: "https://sp.example.test/saml2/idpresponse".into(),
            request_id: Some("_req-4a1b2c3d".into()),
            now: Some("2026-01-01T00:01:00Z".into()),
            clock_skew: 180,
            allow_sha1: false,
            entity_id: None,
            sp_key: None,
            response,
        }
    }

    fn tmpdir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("cirrus-saml-check-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn valid_xml_response_reports_assertion() {
        let dir = tmpdir("ok");
        let resp = fixtures().join("responses/xmlsec1_assertion_rsa-sha256.xml");
        let (v, code) = evaluate(&args(&dir, resp), OffsetDateTime::UNIX_EPOCH);
        assert_eq!(code, 0, "{v}");
        assert_eq!(v["ok"], true);
        assert_eq!(v["assertion"]["name_id"]["value"], "alice@example.test");
        assert_eq!(v["assertion"]["attributes"][1]["values"][1], "r&d <lab>");
        assert!(v.get("check").is_none());
    }

    fn base64(bytes: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn base64_response_and_failed_check() {
        let dir = tmpdir("bad");
        let xml =
            std::fs::read_to_string(fixtures().join("responses/xmlsec1_assertion_rsa-sha256.xml"))
                .unwrap();
        let path = dir.join("resp.b64");
        std::fs::write(&path, base64(xml.as_bytes())).unwrap();
        let mut a = args(&dir, path);
        a.acs_url = "https://other.test/acs".into();
        let (v, code) = evaluate(&a, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(code, 1, "{v}");
        assert_eq!(v["ok"], false);
        assert_eq!(v["check"], "destination");
        assert!(v.get("assertion").is_none());
    }

    #[test]
    fn encrypted_response_needs_sp_key() {
        let dir = tmpdir("enc");
        let resp = fixtures().join("responses/xmlsec1_encrypted_aes256-cbc.xml");
        let mut a = args(&dir, resp);
        let (v, code) = evaluate(&a, OffsetDateTime::UNIX_EPOCH);
        assert_eq!((code, v["check"].as_str()), (1, Some("decryption")), "{v}");
        a.sp_key = Some(fixtures().join("keys/sp-rsa.key"));
        let (v, code) = evaluate(&a, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(code, 0, "{v}");
        assert_eq!(v["assertion"]["session_index"], "_s-91ab");
    }

    #[test]
    fn unreadable_file_is_exit_2() {
        let dir = tmpdir("missing");
        let (v, code) = evaluate(
            &args(&dir, dir.join("nope.xml")),
            OffsetDateTime::UNIX_EPOCH,
        );
        assert_eq!(code, 2);
        assert_eq!(v["check"], "usage");
    }
}
