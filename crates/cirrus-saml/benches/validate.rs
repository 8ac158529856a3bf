//! Throughput of cirrus-saml on this machine (plain bench binary, no framework):
//!
//! * `validate_response` of a typical signed response (assertion signed, RSA-2048/SHA-256,
//!   10 attributes), and of the same assertion encrypted (AES-256-GCM + RSA-OAEP);
//! * an IdP LogoutRequest over HTTP-Redirect (query signature) and enveloped signing of SP
//!   metadata;
//! * aws-lc-rs RSA-2048 verify and sign, and `openssl speed -seconds 3 rsa2048` for reference.
//!
//! `cargo bench -p cirrus-saml --bench validate` prints the table;
//! `cargo bench -p cirrus-saml --bench validate -- --write-docs` also rewrites the
//! "cirrus-saml" section of `docs/benchmarks.md` (other sections are kept).
//! `--quick` shortens every measurement (smoke run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, PublicEncryptingKey};
use aws_lc_rs::signature::{
    ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cirrus_saml::datetime::parse_datetime;
use cirrus_saml::dsig_sign::{SignaturePlacement, sign_enveloped};
use cirrus_saml::messages::{RedirectParam, RedirectSigner, redirect_url};
use cirrus_saml::response::{Expectations, ProviderTrust, validate_response};
use cirrus_saml::slo::{LogoutRequestExpectations, validate_logout_request_redirect};
use cirrus_saml::sp_metadata::{RequestedAttribute, SpMetadata};
use cirrus_saml::xenc::DecryptionKey;
use cirrus_saml::{Certificate, OffsetDateTime};

const IDP: &str = "https://idp.example.test/saml";
const SP: &str = "urn:amazon:cognito:sp:us-east-1_Bench";
const ACS: &str = "https://auth.example.test/saml2/idpresponse";
const SLO: &str = "https://auth.example.test/saml2/logout";
const NOW: &str = "2026-01-01T00:01:00Z";

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn der_from_pem(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// A response as Entra ID / Okta send them: assertion signed, 10 attributes.
fn response_xml() -> String {
    let attrs: String = [
        ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "alice@example.test"),
        ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "Alice"),
        ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "Example"),
        ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", "alice@example.test"),
        ("http://schemas.microsoft.com/identity/claims/displayname", "Alice Example"),
        ("http://schemas.microsoft.com/identity/claims/objectidentifier", "0b6f5c2e-8d9a-4c1b-9e7f-2a3b4c5d6e7f"),
        ("http://schemas.microsoft.com/identity/claims/tenantid", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
        ("http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", "staff"),
        ("urn:oid:2.5.4.11", "Engineering"),
        ("https://aws.amazon.com/SAML/Attributes/Role", "arn:aws:iam::123456789012:role/Dev,arn:aws:iam::123456789012:saml-provider/Idp"),
    ]
    .iter()
    .map(|(n, v)| {
        format!(
            r#"<saml:Attribute Name="{n}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue xsi:type="xs:string">{v}</saml:AttributeValue></saml:Attribute>"#
        )
    })
    .collect();
    format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r-bench" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" Destination="{ACS}" InResponseTo="_req-bench"><saml:Issuer>{IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_a-bench" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer>{IDP}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">AAAAAAAAAAAAAAAAAAAAAHk8nQ2bJjW9Yp0</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="_req-bench" NotOnOrAfter="2026-01-01T00:05:00Z" Recipient="{ACS}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="2025-12-31T23:59:00Z" NotOnOrAfter="2026-01-01T01:00:00Z"><saml:AudienceRestriction><saml:Audience>{SP}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AttributeStatement>{attrs}</saml:AttributeStatement><saml:AuthnStatement AuthnInstant="2026-01-01T00:00:00Z" SessionIndex="_s-bench"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement></saml:Assertion></samlp:Response>"#
    )
}

/// Replaces the (signed) assertion by an EncryptedAssertion: AES-256-GCM, key wrapped with
/// RSA-OAEP-MGF1P to the SP certificate.
fn encrypt_assertion(signed_response: &str, sp_cert: &Certificate) -> String {
    let a = signed_response.find("<saml:Assertion").unwrap();
    let b = signed_response.rfind("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    let plaintext = &signed_response[a..b];
    let public =
        OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(&sp_cert.spki_der).unwrap())
            .unwrap();
    let key = [0x5au8; 32];
    let mut wrapped = vec![0u8; public.ciphertext_size()];
    let wrapped = public
        .encrypt(&OAEP_SHA1_MGF1SHA1, &key, &mut wrapped, None)
        .unwrap()
        .to_vec();
    let iv = [0x3cu8; 12];
    let sealing = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key).unwrap());
    let mut data = plaintext.as_bytes().to_vec();
    sealing
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(iv), Aad::empty(), &mut data)
        .unwrap();
    let mut blob = iv.to_vec();
    blob.extend(data);
    let enc = format!(
        r#"<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>"#,
        STANDARD.encode(wrapped),
        STANDARD.encode(blob)
    );
    format!("{}{}{}", &signed_response[..a], enc, &signed_response[b..])
}

struct Row {
    name: String,
    ops_per_sec: f64,
    micros: f64,
}

/// Runs `f` repeatedly for about `secs` seconds (after a short warm-up) on one thread.
fn measure(name: &str, secs: f64, f: &mut dyn FnMut()) -> Row {
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_secs_f64((secs / 10.0).min(0.3)) {
        f();
    }
    let mut n: u64 = 0;
    let mut batch: u64 = 1;
    let start = Instant::now();
    let target = Duration::from_secs_f64(secs);
    loop {
        for _ in 0..batch {
            f();
        }
        n += batch;
        let el = start.elapsed();
        if el >= target {
            let s = el.as_secs_f64();
            let row = Row {
                name: name.to_string(),
                ops_per_sec: n as f64 / s,
                micros: s * 1e6 / n as f64,
            };
            eprintln!("  {name}: {:.0}/s", row.ops_per_sec);
            return row;
        }
        batch = (batch * 2).min(1 << 14);
    }
}

fn command_output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// (sign/s, verify/s, the result lines) from `openssl speed -seconds 3 rsa2048`.
fn openssl_speed(quick: bool) -> Option<(f64, f64, String)> {
    let secs = if quick { "1" } else { "3" };
    let text = command_output("openssl", &["speed", "-seconds", secs, "rsa2048"])?;
    let lines: Vec<&str> = text.lines().collect();
    let row_i = lines
        .iter()
        .position(|l| l.trim_start().starts_with("rsa") && l.contains("2048 bits"))?;
    let header = lines.get(row_i.checked_sub(1)?)?;
    let row = lines.get(row_i)?;
    let head: Vec<&str> = header.split_whitespace().collect();
    let values: Vec<&str> = row
        .split_whitespace()
        .skip_while(|t| *t != "bits")
        .skip(1)
        .collect();
    let pick = |name: &str| -> Option<f64> {
        let i = head.iter().position(|h| *h == name)?;
        values.get(i)?.parse().ok()
    };
    Some((
        pick("sign/s")?,
        pick("verify/s")?,
        format!("{}\n{}", header.trim_end(), row.trim_end()),
    ))
}

/// `existing` with its "## cirrus-saml" section (up to the next "## " heading) replaced by
/// `section`, or `section` appended.
fn replace_section(existing: &str, section: &str) -> String {
    const HEAD: &str = "## cirrus-saml\n";
    let start = if existing.starts_with(HEAD) {
        Some(0)
    } else {
        existing.find(&format!("\n{HEAD}")).map(|i| i + 1)
    };
    match start {
        Some(s) => {
            let body = s + HEAD.len();
            let end = existing[body..]
                .find("\n## ")
                .map_or(existing.len(), |e| body + e + 1);
            format!("{}{}{}", &existing[..s], section, &existing[end..])
        }
        None => format!("{}\n\n{}", existing.trim_end(), section),
    }
}

fn write_docs(section: &str) {
    let path = format!("{}/../../docs/benchmarks.md", env!("CARGO_MANIFEST_DIR"));
    let existing = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    std::fs::write(&path, replace_section(&existing, section)).unwrap();
    eprintln!("wrote {path}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let write = args.iter().any(|a| a == "--write-docs");
    let secs = if quick { 0.5 } else { 3.0 };

    let now = parse_datetime(NOW).unwrap();
    let idp_pem = fixture("keys/idp-rsa.key");
    let idp_signer = RedirectSigner::from_pem(&idp_pem).unwrap();
    let idp_cert = Certificate::from_pem(&fixture("keys/idp-rsa.crt")).unwrap();
    let sp_cert = Certificate::from_pem(&fixture("keys/sp-rsa.crt")).unwrap();
    let sp_pem = fixture("keys/sp-rsa.key");
    let sp_signer = RedirectSigner::from_pem(&sp_pem)
        .unwrap()
        .with_certificate(sp_cert.der.clone());

    let signed = sign_enveloped(
        &response_xml(),
        "_a-bench",
        SignaturePlacement::AfterIssuer,
        &idp_signer,
    )
    .unwrap();
    let signed_b64 = STANDARD.encode(&signed);
    let encrypted = encrypt_assertion(&signed, &sp_cert);
    let encrypted_b64 = STANDARD.encode(&encrypted);

    let mut trust = ProviderTrust::new(IDP, vec![idp_cert.clone()]);
    trust.decryption_keys = vec![DecryptionKey::from_pem(&sp_pem).unwrap()];
    let expect = Expectations::new(SP, ACS, Some("_req-bench".into()), now);
    let a = validate_response(&signed_b64, &trust, &expect).unwrap();
    assert_eq!(a.attributes.len(), 10);
    let e = validate_response(&encrypted_b64, &trust, &expect).unwrap();
    assert!(e.encrypted && e.attributes.len() == 10);

    let logout = format!(
        r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lr-bench" Version="2.0" IssueInstant="2026-01-01T00:00:30Z" Destination="{SLO}"><saml:Issuer>{IDP}</saml:Issuer><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">AAAAAAAAAAAAAAAAAAAAAHk8nQ2bJjW9Yp0</saml:NameID><samlp:SessionIndex>_s-bench</samlp:SessionIndex></samlp:LogoutRequest>"#
    );
    let url = redirect_url(
        "https://sp.invalid/slo",
        RedirectParam::Request,
        &logout,
        Some("relay-state-bench"),
        Some(&idp_signer),
    )
    .unwrap();
    let query = url.split_once('?').unwrap().1.to_string();
    let slo_expect = LogoutRequestExpectations::new(SLO, now);
    validate_logout_request_redirect(&query, &trust, &slo_expect).unwrap();

    let mut md = SpMetadata::new(SP, ACS);
    md.slo_url = Some(SLO.into());
    md.signing_certificate = Some(sp_cert.der.clone());
    md.encryption_certificate = Some(sp_cert.der.clone());
    md.requested_attributes = vec![RequestedAttribute::new(
        "urn:oid:0.9.2342.19200300.100.1.3",
        Some("mail"),
        true,
    )];

    let rsa = RsaKeyPair::from_pkcs8(&der_from_pem(&idp_pem)).unwrap();
    let rng = SystemRandom::new();
    let msg = b"SAMLRequest=abc&RelayState=def&SigAlg=rsa-sha256";
    let mut sig = vec![0u8; rsa.public_modulus_len()];
    rsa.sign(&RSA_PKCS1_SHA256, &rng, msg, &mut sig).unwrap();
    let verifier = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, idp_cert.spki_der.clone());
    let parsed = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &idp_cert.spki_der).unwrap();

    eprintln!("measuring ({secs} s each, one thread)...");
    type Case<'a> = (String, Box<dyn FnMut() + 'a>);
    let cases: Vec<Case<'_>> = vec![
        (
            format!(
                "validate_response: signed assertion, 10 attributes ({} B base64)",
                signed_b64.len()
            ),
            Box::new(|| {
                black_box(validate_response(black_box(&signed_b64), &trust, &expect).unwrap());
            }),
        ),
        (
            format!(
                "validate_response: encrypted (AES-256-GCM + RSA-OAEP) signed assertion, 10 attributes ({} B base64)",
                encrypted_b64.len()
            ),
            Box::new(|| {
                black_box(validate_response(black_box(&encrypted_b64), &trust, &expect).unwrap());
            }),
        ),
        (
            "validate_logout_request_redirect: RSA-SHA256 query signature".to_string(),
            Box::new(|| {
                black_box(validate_logout_request_redirect(black_box(&query), &trust, &slo_expect).unwrap());
            }),
        ),
        (
            "SpMetadata::to_signed_xml (RSA-2048 sign)".to_string(),
            Box::new(|| {
            black_box(md.to_signed_xml(&sp_signer).unwrap());
        })),
        (
            "aws-lc-rs RSA-2048 PKCS#1 SHA-256 verify (UnparsedPublicKey: SPKI parsed per call, as dsig.rs does)".to_string(),
            Box::new(|| {
                verifier.verify(black_box(msg), black_box(&sig)).unwrap();
            }),
        ),
        (
            "aws-lc-rs RSA-2048 PKCS#1 SHA-256 verify (ParsedPublicKey)".to_string(),
            Box::new(|| {
                parsed.verify_sig(black_box(msg), black_box(&sig)).unwrap();
            }),
        ),
        (
            "aws-lc-rs RSA-2048 PKCS#1 SHA-256 sign".to_string(),
            Box::new(|| {
            let mut out = vec![0u8; rsa.public_modulus_len()];
            rsa.sign(&RSA_PKCS1_SHA256, &rng, black_box(msg), &mut out)
                .unwrap();
            black_box(out);
        })),
    ];
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let rows: Vec<Row> = cases
        .into_iter()
        .filter(|(name, _)| only.as_deref().is_none_or(|o| name.contains(o)))
        .map(|(name, mut f)| measure(&name, secs, &mut *f))
        .collect();
    eprintln!("running openssl speed rsa2048...");
    let openssl = if only.is_some() {
        None
    } else {
        openssl_speed(quick)
    };

    let nproc = command_output("nproc", &[]).map_or_else(|| "?".into(), |s| s.trim().to_string());
    let model = command_output("lscpu", &[])
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Model name:"))
                .map(|l| l["Model name:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into());
    let openssl_version =
        command_output("openssl", &["version"]).map_or_else(String::new, |s| s.trim().to_string());
    let date = OffsetDateTime::now_utc();
    let date = format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        date.year(),
        u8::from(date.month()),
        date.day(),
        date.hour(),
        date.minute()
    );

    let mut table = String::from("| Operation | ops/s | µs/op |\n|---|---:|---:|\n");
    for r in &rows {
        table.push_str(&format!(
            "| {} | {:.0} | {:.1} |\n",
            r.name, r.ops_per_sec, r.micros
        ));
    }
    let mut openssl_text = String::new();
    match &openssl {
        Some((s, v, raw)) => {
            table.push_str(&format!(
                "| openssl speed rsa2048 verify ({openssl_version}) | {v:.0} | {:.1} |\n",
                1e6 / v
            ));
            table.push_str(&format!(
                "| openssl speed rsa2048 sign | {s:.0} | {:.1} |\n",
                1e6 / s
            ));
            openssl_text = format!(
                "\n`openssl speed -seconds {} rsa2048`:\n\n```\n{raw}\n```\n",
                if quick { 1 } else { 3 }
            );
        }
        None => table.push_str("| openssl speed rsa2048 | not available | |\n"),
    }

    let section = format!(
        "## cirrus-saml\n\n\
Measured {date} on {model}, `nproc` = {nproc}, load average {load} (a shared machine: \
numbers are indicative; compare rows of one run, not runs), one thread, release profile \
(`cargo bench -p cirrus-saml --bench validate -- --write-docs`{quick_note}). A validation includes \
base64, the hardened parse, exclusive c14n, SHA-256, the RSA-2048 verification, the re-parse of \
the signed bytes and every check (plus RSA-OAEP unwrap and AES-GCM for the encrypted one). \
The RSA public-key operation bounds the signed case; the RSA private-key operation (OAEP unwrap) \
dominates the encrypted one.\n\n{table}{openssl_text}\n",
        quick_note = if quick { ", --quick" } else { "" }
    );
    println!("\n{section}");
    if write {
        write_docs(&section);
    }
    std::io::stdout().flush().unwrap();
}
