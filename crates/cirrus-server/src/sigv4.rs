//! AWS Signature Version 4 verification for the admin API.
//!
//! [`verify`] checks a request signed with the `Authorization: AWS4-HMAC-SHA256 …`
//! header against the configured [`AdminKeys`], for service `cognito-idp` and the
//! server's region, allowing five minutes of clock difference either way. It is
//! a pure function: the caller supplies the clock.
//!
//! What is accepted, precisely:
//!
//! - Only header authentication. Presigned query-string authentication
//!   (`X-Amz-Signature` & co. in the query) is refused with an
//!   `IncompleteSignatureException` explaining so.
//! - The timestamp comes from `X-Amz-Date` (ISO 8601 basic, `20261122T014000Z`);
//!   without it, from `Date`, either in that form or as an RFC 2822 / HTTP date
//!   (what botocore sends when a `Date` header is present). The header used must
//!   be signed, and so must `host`.
//! - `X-Amz-Security-Token` is allowed (it is just another header, and is covered
//!   by the signature when the client signs it) but its value is not checked:
//!   admin keys are long-term keys.
//! - The payload is always signed: `x-amz-content-sha256`, when present, must be
//!   the hex SHA-256 of the body; `UNSIGNED-PAYLOAD` and streaming values are
//!   refused.
//! - The canonical request follows AWS (and botocore) for non-S3 services: the
//!   path as received (percent-encoded) has its dot segments and empty segments
//!   removed and is then URI-encoded once more; the query is split on `&`, each
//!   name and value percent-decoded (`+` as space) and re-encoded with the SigV4
//!   rules, then sorted; header names are lower-cased, each value trimmed with
//!   inner whitespace runs collapsed to one space, repeated headers joined with
//!   `,` in the order received. The `SignedHeaders` list is used as sent (it must
//!   be lower-case names without repeats) and `Signature` must be 64 lower-case
//!   hex digits.

use std::collections::BTreeMap;
use std::fmt;

use aws_lc_rs::{digest, hmac};
use http::HeaderMap;
use subtle::ConstantTimeEq as _;
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use zeroize::Zeroizing;

/// The SigV4 service name of the admin API.
pub const SERVICE: &str = "cognito-idp";

/// Accepted difference between the request's timestamp and the server clock.
pub const MAX_SKEW: Duration = Duration::minutes(5);

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const TERMINATOR: &str = "aws4_request";

// ---------------------------------------------------------------------------
// Admin keys
// ---------------------------------------------------------------------------

/// The configured admin credentials: access key id → secret access key.
/// `Debug` shows only the access key ids.
#[derive(Clone)]
pub struct AdminKeys {
    keys: BTreeMap<String, Zeroizing<String>>,
}

impl fmt::Debug for AdminKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminKeys")
            .field("access_key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Why an admin keys file or environment value was rejected. Never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminKeysError {
    /// A line of the keys file is malformed.
    #[error("admin keys file, line {line}: {reason}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// An entry of the comma-separated environment form is malformed.
    #[error("admin keys, entry {entry}: {reason}")]
    Entry {
        /// 1-based entry number.
        entry: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// No keys at all: every signed request would be refused.
    #[error("admin keys: no ACCESS_KEY_ID:SECRET pairs found")]
    Empty,
}

impl AdminKeys {
    /// Parses the file form: one `ACCESS_KEY_ID:SECRET` per line; blank lines and
    /// lines starting with `#` are ignored; surrounding whitespace is trimmed.
    pub fn parse_file(contents: &str) -> Result<Self, AdminKeysError> {
        let mut keys = BTreeMap::new();
        for (i, raw) in contents.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            insert_pair(&mut keys, line).map_err(|reason| AdminKeysError::Line {
                line: i + 1,
                reason,
            })?;
        }
        Self::non_empty(keys)
    }

    /// Parses the environment form: `AKID:SECRET,AKID2:SECRET2` (whitespace around
    /// entries is trimmed; secrets cannot contain `,`).
    pub fn parse_env(value: &str) -> Result<Self, AdminKeysError> {
        let mut keys = BTreeMap::new();
        for (i, raw) in value.split(',').enumerate() {
            let entry = raw.trim();
            if entry.is_empty() {
                continue;
            }
            insert_pair(&mut keys, entry).map_err(|reason| AdminKeysError::Entry {
                entry: i + 1,
                reason,
            })?;
        }
        Self::non_empty(keys)
    }

    fn non_empty(keys: BTreeMap<String, Zeroizing<String>>) -> Result<Self, AdminKeysError> {
        if keys.is_empty() {
            Err(AdminKeysError::Empty)
        } else {
            Ok(Self { keys })
        }
    }

    /// Number of configured keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always false for a parsed value (parsing refuses an empty set).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether `access_key_id` is configured.
    pub fn contains(&self, access_key_id: &str) -> bool {
        self.keys.contains_key(access_key_id)
    }

    /// The configured access key ids, sorted.
    pub fn access_key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    fn secret(&self, access_key_id: &str) -> Option<&str> {
        self.keys.get(access_key_id).map(|s| s.as_str())
    }
}

fn insert_pair(keys: &mut BTreeMap<String, Zeroizing<String>>, pair: &str) -> Result<(), String> {
    let Some((id, secret)) = pair.split_once(':') else {
        return Err("expected ACCESS_KEY_ID:SECRET".to_owned());
    };
    if id.is_empty() {
        return Err("empty access key id".to_owned());
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(format!(
            "access key id contains {c:?}; allowed are ASCII letters, digits, '_', '-' and '.'"
        ));
    }
    if secret.is_empty() {
        return Err(format!("empty secret for access key id {id}"));
    }
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "secret for access key id {id} contains whitespace or control characters"
        ));
    }
    if keys.contains_key(id) {
        return Err(format!("duplicate access key id {id}"));
    }
    keys.insert(id.to_owned(), Zeroizing::new(secret.to_owned()));
    Ok(())
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Why a request failed SigV4 authentication. `Display` is the message for the
/// client; [`error_type`](Self::error_type) the `__type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    /// No `Authorization` header.
    #[error("Missing Authentication Token")]
    MissingAuthenticationToken,
    /// The `Authorization` header or the date headers are malformed or incomplete,
    /// or an unsupported scheme (presigned URL) was used.
    #[error("{0}")]
    IncompleteSignature(String),
    /// The access key id is not configured.
    #[error("The security token included in the request is invalid.")]
    UnrecognizedClient,
    /// The credential scope (date, region, service, terminator) or the payload
    /// hash header is wrong.
    #[error("{0}")]
    InvalidScope(String),
    /// The request's timestamp is more than five minutes before the server's clock.
    #[error("Signature expired: {request_time} is now earlier than {earliest} ({now} - 5 min.)")]
    SignatureExpired {
        /// Request time, ISO 8601 basic.
        request_time: String,
        /// Earliest accepted time.
        earliest: String,
        /// Server time.
        now: String,
    },
    /// The request's timestamp is more than five minutes after the server's clock.
    #[error(
        "Signature not yet current: {request_time} is still later than {latest} ({now} + 5 min.)"
    )]
    SignatureNotYetCurrent {
        /// Request time, ISO 8601 basic.
        request_time: String,
        /// Latest accepted time.
        latest: String,
        /// Server time.
        now: String,
    },
    /// The signature does not match. The canonical request and string to sign the
    /// server computed are kept for debug logging (they contain no secret).
    #[error(
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method. \
         Consult the service documentation for details."
    )]
    SignatureMismatch {
        /// The server's canonical request.
        canonical_request: String,
        /// The server's string to sign.
        string_to_sign: String,
    },
}

impl SigV4Error {
    /// The AWS error code for the `__type` field and `x-amzn-ErrorType` header.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::IncompleteSignature(_) => "IncompleteSignatureException",
            Self::UnrecognizedClient => "UnrecognizedClientException",
            Self::InvalidScope(_)
            | Self::SignatureExpired { .. }
            | Self::SignatureNotYetCurrent { .. }
            | Self::SignatureMismatch { .. } => "InvalidSignatureException",
        }
    }

    /// HTTP status for the error response: 400 for all of them, as AWS JSON
    /// services answer these front-end errors.
    pub fn http_status(&self) -> u16 {
        400
    }
}

fn incomplete(msg: impl Into<String>) -> SigV4Error {
    SigV4Error::IncompleteSignature(msg.into())
}

// ---------------------------------------------------------------------------
// Request and verification
// ---------------------------------------------------------------------------

/// The parts of an HTTP request that SigV4 covers, as received.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// Request path exactly as received (still percent-encoded), without the query.
    pub path: &'a str,
    /// Raw query string without the `?`; empty when there is none.
    pub query: &'a str,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The `host` value to use when there is no `Host` header (HTTP/2 `:authority`).
    pub authority: Option<&'a str>,
    /// The complete request body.
    pub body: &'a [u8],
}

impl<'a> SignedRequest<'a> {
    /// Borrows method, path, query, headers and authority from request parts.
    pub fn from_parts(parts: &'a http::request::Parts, body: &'a [u8]) -> Self {
        Self {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            authority: parts.uri.authority().map(|a| a.as_str()),
            body,
        }
    }
}

/// Verifies a SigV4-signed request. On success returns the access key id that
/// signed it.
pub fn verify(
    req: &SignedRequest<'_>,
    keys: &AdminKeys,
    region: &str,
    now: OffsetDateTime,
) -> Result<String, SigV4Error> {
    let mut auth_values = req.headers.get_all(http::header::AUTHORIZATION).iter();
    let Some(auth_value) = auth_values.next() else {
        if query_has_presign_params(req.query) {
            return Err(incomplete(
                "Query-string (presigned URL) authentication is not supported by this server; \
                 sign requests with the Authorization header.",
            ));
        }
        return Err(SigV4Error::MissingAuthenticationToken);
    };
    if auth_values.next().is_some() {
        return Err(incomplete("Only one Authorization header is allowed."));
    }
    if query_has_presign_params(req.query) {
        return Err(incomplete(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, \
             Signature query string parameter or the Authorization header should be specified",
        ));
    }
    let auth_str = auth_value
        .to_str()
        .map_err(|_| incomplete("Authorization header contains non-ASCII characters."))?;
    let auth = parse_authorization(auth_str)?;

    if !auth.signed_headers.contains(&"host") {
        return Err(incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let stamp = request_timestamp(req.headers)?;
    if !auth.signed_headers.contains(&stamp.header) {
        return Err(incomplete(format!(
            "'{}' must be a 'SignedHeader' in the AWS Authorization.",
            if stamp.header == "date" {
                "Date"
            } else {
                "X-Amz-Date"
            }
        )));
    }

    let secret = keys
        .secret(auth.access_key_id)
        .ok_or(SigV4Error::UnrecognizedClient)?;

    let stamp_date = stamp.iso.get(..8).unwrap_or_default();
    if auth.date != stamp_date {
        return Err(SigV4Error::InvalidScope(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
            auth.date, stamp_date, stamp.iso
        )));
    }
    if auth.region != region {
        return Err(SigV4Error::InvalidScope(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            auth.region
        )));
    }
    if auth.service != SERVICE {
        return Err(SigV4Error::InvalidScope(format!(
            "Credential should be scoped to correct service: '{SERVICE}'. "
        )));
    }
    if auth.terminator != TERMINATOR {
        return Err(SigV4Error::InvalidScope(format!(
            "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{}'. ",
            auth.terminator
        )));
    }

    let now = now.to_offset(UtcOffset::UTC);
    if stamp.time < now - MAX_SKEW {
        return Err(SigV4Error::SignatureExpired {
            request_time: stamp.iso,
            earliest: format_iso_basic(now - MAX_SKEW),
            now: format_iso_basic(now),
        });
    }
    if stamp.time > now + MAX_SKEW {
        return Err(SigV4Error::SignatureNotYetCurrent {
            request_time: stamp.iso,
            latest: format_iso_basic(now + MAX_SKEW),
            now: format_iso_basic(now),
        });
    }

    let payload_hash = payload_hash(req.headers, req.body)?;
    let canonical = canonical_request(req, &auth, &payload_hash);
    let scope = format!(
        "{}/{}/{}/{}",
        auth.date, auth.region, auth.service, auth.terminator
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{scope}\n{}",
        stamp.iso,
        hex::encode(digest::digest(&digest::SHA256, &canonical))
    );
    let expected = signature(
        secret,
        auth.date,
        auth.region,
        auth.service,
        &string_to_sign,
    );

    // The signature is 64 lower-case hex digits; anything else simply mismatches.
    let well_formed = auth.signature.len() == 64
        && auth
            .signature
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let provided = if well_formed {
        hex::decode(auth.signature).unwrap_or_default()
    } else {
        Vec::new()
    };
    if bool::from(provided.as_slice().ct_eq(expected.as_ref())) {
        Ok(auth.access_key_id.to_owned())
    } else {
        Err(SigV4Error::SignatureMismatch {
            canonical_request: String::from_utf8_lossy(&canonical).into_owned(),
            string_to_sign,
        })
    }
}

fn query_has_presign_params(query: &str) -> bool {
    query.split('&').any(|pair| {
        let name = pair.split_once('=').map_or(pair, |(n, _)| n);
        let name = percent_decode(name.as_bytes(), true);
        ["x-amz-signature", "x-amz-algorithm", "x-amz-credential"]
            .iter()
            .any(|p| name.eq_ignore_ascii_case(p.as_bytes()))
    })
}

/// The components of an `Authorization: AWS4-HMAC-SHA256 …` header.
#[derive(Debug)]
struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    terminator: &'a str,
    signed_headers_raw: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, SigV4Error> {
    let value = value.trim();
    let (algorithm, rest) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        return Err(incomplete(format!(
            "Unsupported Authorization scheme; expected '{ALGORITHM} Credential=..., SignedHeaders=..., Signature=...'."
        )));
    }

    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, val) = part.split_once('=').ok_or_else(|| {
            incomplete(format!(
                "Authorization header component '{part}' is not of the form name=value."
            ))
        })?;
        let slot = match name.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            other => {
                return Err(incomplete(format!(
                    "Authorization header has an unknown component '{other}'."
                )));
            }
        };
        if slot.replace(val.trim()).is_some() {
            return Err(incomplete(format!(
                "Authorization header has more than one '{}' component.",
                name.trim()
            )));
        }
    }

    let missing: String = [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed_headers),
    ]
    .into_iter()
    .filter(|(_, slot)| slot.is_none_or(str::is_empty))
    .map(|(name, _)| format!("Authorization header requires '{name}' parameter. "))
    .collect();
    let (Some(credential), Some(signed_headers_raw), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(incomplete(missing.trim_end()));
    };
    if !missing.is_empty() {
        return Err(incomplete(missing.trim_end()));
    }

    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = scope[..] else {
        return Err(incomplete(
            "Credential must have the form '<access key id>/<YYYYMMDD>/<region>/<service>/aws4_request'.",
        ));
    };
    if access_key_id.is_empty() {
        return Err(incomplete("Credential has an empty access key id."));
    }

    let mut signed_headers = Vec::new();
    for name in signed_headers_raw.split(';') {
        let valid = !name.is_empty()
            && name.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.!#$%&'*+^`|~".contains(&b)
            });
        if !valid {
            return Err(incomplete(format!(
                "SignedHeaders must be a ';'-separated list of lower-case header names; got '{signed_headers_raw}'."
            )));
        }
        if signed_headers.contains(&name) {
            return Err(incomplete(format!("SignedHeaders lists '{name}' twice.")));
        }
        signed_headers.push(name);
    }

    Ok(Authorization {
        access_key_id,
        date,
        region,
        service,
        terminator,
        signed_headers_raw,
        signed_headers,
        signature,
    })
}

/// The request time and which header it came from.
struct Stamp {
    /// `x-amz-date` or `date`.
    header: &'static str,
    time: OffsetDateTime,
    /// The timestamp in the string to sign (ISO 8601 basic).
    iso: String,
}

fn request_timestamp(headers: &HeaderMap) -> Result<Stamp, SigV4Error> {
    let single = |name: &str| -> Result<Option<String>, SigV4Error> {
        let mut values = headers.get_all(name).iter();
        let Some(v) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(incomplete(format!("Only one '{name}' header is allowed.")));
        }
        let v = v
            .to_str()
            .map_err(|_| incomplete(format!("The '{name}' header is not ASCII.")))?;
        Ok(Some(v.trim().to_owned()))
    };
    let bad_date = |v: &str| {
        incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{v}'. See http://en.wikipedia.org/wiki/ISO_8601"
        ))
    };
    if let Some(v) = single("x-amz-date")? {
        let time = parse_iso_basic(&v).ok_or_else(|| bad_date(&v))?;
        return Ok(Stamp {
            header: "x-amz-date",
            time,
            iso: v,
        });
    }
    if let Some(v) = single("date")? {
        let time = parse_iso_basic(&v)
            .or_else(|| {
                OffsetDateTime::parse(&v, &time::format_description::well_known::Rfc2822).ok()
            })
            .ok_or_else(|| bad_date(&v))?
            .to_offset(UtcOffset::UTC);
        return Ok(Stamp {
            header: "date",
            time,
            iso: format_iso_basic(time),
        });
    }
    Err(incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    ))
}

/// Parses `YYYYMMDDTHHMMSSZ` strictly.
fn parse_iso_basic(s: &str) -> Option<OffsetDateTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(r)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(
            digits
                .iter()
                .fold(0u32, |n, d| n * 10 + u32::from(d - b'0')),
        )
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?;
    let day = u8::try_from(num(6..8)?).ok()?;
    let hour = u8::try_from(num(9..11)?).ok()?;
    let minute = u8::try_from(num(11..13)?).ok()?;
    let second = u8::try_from(num(13..15)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

fn format_iso_basic(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The hashed-payload line: the body's hex SHA-256, or the `x-amz-content-sha256`
/// value after checking it is exactly that.
fn payload_hash(headers: &HeaderMap, body: &[u8]) -> Result<String, SigV4Error> {
    let computed = hex::encode(digest::digest(&digest::SHA256, body));
    let mut values = headers.get_all("x-amz-content-sha256").iter();
    let Some(v) = values.next() else {
        return Ok(computed);
    };
    if values.next().is_some() {
        return Err(incomplete(
            "Only one 'x-amz-content-sha256' header is allowed.",
        ));
    }
    let v = v.to_str().unwrap_or("").trim();
    if v == "UNSIGNED-PAYLOAD" || v.starts_with("STREAMING-") {
        return Err(SigV4Error::InvalidScope(format!(
            "x-amz-content-sha256 '{v}' is not accepted here; the request body must be signed."
        )));
    }
    if !v.eq_ignore_ascii_case(&computed) {
        return Err(SigV4Error::InvalidScope(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
                .to_owned(),
        ));
    }
    Ok(v.to_owned())
}

fn canonical_request(
    req: &SignedRequest<'_>,
    auth: &Authorization<'_>,
    payload_hash: &str,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(req.method.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(req.path).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(req.query).as_bytes());
    out.push(b'\n');
    for name in &auth.signed_headers {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        let mut first = true;
        let mut any = false;
        for value in req.headers.get_all(*name) {
            any = true;
            if !first {
                out.push(b',');
            }
            first = false;
            push_trimmed(&mut out, value.as_bytes());
        }
        if !any
            && *name == "host"
            && let Some(authority) = req.authority
        {
            push_trimmed(&mut out, authority.as_bytes());
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(auth.signed_headers_raw.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    out
}

/// Appends `value` with leading/trailing whitespace removed and inner runs of
/// whitespace collapsed to one space.
fn push_trimmed(out: &mut Vec<u8>, value: &[u8]) {
    let mut first = true;
    for word in value
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !first {
            out.push(b' ');
        }
        first = false;
        out.extend_from_slice(word);
    }
}

/// Removes empty and dot segments (as botocore does) and URI-encodes the result once.
fn canonical_uri(raw_path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for seg in raw_path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut normalized = String::with_capacity(raw_path.len() + 1);
    normalized.push('/');
    normalized.push_str(&segments.join("/"));
    if raw_path.ends_with('/') && !segments.is_empty() {
        normalized.push('/');
    }
    let mut out = String::with_capacity(normalized.len() + 8);
    uri_encode(&mut out, normalized.as_bytes(), true);
    out
}

fn canonical_query(raw: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let mut key = String::new();
            uri_encode(&mut key, &percent_decode(k.as_bytes(), true), false);
            let mut value = String::new();
            uri_encode(&mut value, &percent_decode(v.as_bytes(), true), false);
            (key, value)
        })
        .collect();
    pairs.sort();
    let mut out = String::with_capacity(raw.len() + 16);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// SigV4 URI encoding: unreserved characters kept, everything else `%XX` (upper case).
fn uri_encode(out: &mut String, bytes: &[u8], keep_slash: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// Decodes `%XX` escapes; invalid escapes are kept literally.
fn percent_decode(bytes: &[u8], plus_as_space: bool) -> Vec<u8> {
    let hex = |b: u8| {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                if let (Some(h), Some(l)) = (
                    bytes.get(i + 1).copied().and_then(hex),
                    bytes.get(i + 2).copied().and_then(hex),
                ) {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' if plus_as_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    out
}

fn signature(
    secret: &str,
    date: &str,
    region: &str,
    service: &str,
    string_to_sign: &str,
) -> hmac::Tag {
    let mut seed = Zeroizing::new(String::with_capacity(4 + secret.len()));
    seed.push_str("AWS4");
    seed.push_str(secret);
    let k_date = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, seed.as_bytes()),
        date.as_bytes(),
    );
    let k_region = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, k_date.as_ref()),
        region.as_bytes(),
    );
    let k_service = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, k_region.as_ref()),
        service.as_bytes(),
    );
    let k_signing = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, k_service.as_ref()),
        TERMINATOR.as_bytes(),
    );
    hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, k_signing.as_ref()),
        string_to_sign.as_bytes(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use http::{HeaderName, HeaderValue};
    use serde_json::Value;
    use std::path::PathBuf;

    const AKID: &str = "AKIDCIRRUSEXAMPLE01";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    /// A request from `tests/fixtures/sigv4/*.json` (made by interop/sigv4/make_fixtures.py).
    #[derive(Clone)]
    struct Fixture {
        name: String,
        method: String,
        path: String,
        query: String,
        headers: HeaderMap,
        body: Vec<u8>,
        now: OffsetDateTime,
        signed_region: String,
        signed_service: String,
        verify_region: String,
        expected_access_key_id: Option<String>,
        expected_error: Option<String>,
        botocore_canonical_request: Option<String>,
    }

    impl Fixture {
        fn req(&self) -> SignedRequest<'_> {
            SignedRequest {
                method: &self.method,
                path: &self.path,
                query: &self.query,
                headers: &self.headers,
                authority: None,
                body: &self.body,
            }
        }

        fn verify(&self) -> Result<String, SigV4Error> {
            verify(&self.req(), &keys(), &self.verify_region, self.now)
        }

        fn set(&mut self, name: &'static str, value: &str) {
            self.headers
                .insert(name, HeaderValue::from_str(value).unwrap());
        }

        fn header(&self, name: &str) -> String {
            self.headers.get(name).unwrap().to_str().unwrap().to_owned()
        }
    }

    fn fixture_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sigv4")
    }

    fn parse_fixture(text: &str) -> Fixture {
        let v: Value = serde_json::from_str(text).unwrap();
        let s = |k: &str| v[k].as_str().unwrap().to_owned();
        let opt = |k: &str| v[k].as_str().map(str::to_owned);
        let mut headers = HeaderMap::new();
        for pair in v["headers"].as_array().unwrap() {
            let name = HeaderName::from_bytes(pair[0].as_str().unwrap().as_bytes()).unwrap();
            let value = HeaderValue::from_bytes(pair[1].as_str().unwrap().as_bytes()).unwrap();
            headers.append(name, value);
        }
        Fixture {
            name: s("name"),
            method: s("method"),
            path: s("path"),
            query: s("query"),
            headers,
            body: base64::engine::general_purpose::STANDARD
                .decode(s("body_base64"))
                .unwrap(),
            now: OffsetDateTime::from_unix_timestamp(v["now_unix"].as_i64().unwrap()).unwrap(),
            signed_region: s("signed_region"),
            signed_service: s("signed_service"),
            verify_region: s("verify_region"),
            expected_access_key_id: opt("expected_access_key_id"),
            expected_error: opt("expected_error"),
            botocore_canonical_request: opt("botocore_canonical_request"),
        }
    }

    fn all_fixtures() -> Vec<Fixture> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| parse_fixture(&std::fs::read_to_string(p).unwrap()))
            .collect()
    }

    fn fixture(name: &str) -> Fixture {
        let path = fixture_dir().join(format!("{name}.json"));
        parse_fixture(&std::fs::read_to_string(path).unwrap())
    }

    fn keys() -> AdminKeys {
        AdminKeys::parse_env(&format!("AKIDOTHERKEY0001:someOtherSecret,{AKID}:{SECRET}")).unwrap()
    }

    fn err_type(r: Result<String, SigV4Error>) -> &'static str {
        match r {
            Ok(k) => panic!("expected an error, verified as {k}"),
            Err(e) => e.error_type(),
        }
    }

    fn assert_mismatch(r: Result<String, SigV4Error>) {
        assert!(
            matches!(r, Err(SigV4Error::SignatureMismatch { .. })),
            "{r:?}"
        );
    }

    fn assert_incomplete(r: Result<String, SigV4Error>, fragment: &str) {
        match r {
            Err(e @ SigV4Error::IncompleteSignature(_)) => {
                assert_eq!(e.error_type(), "IncompleteSignatureException");
                assert!(e.to_string().contains(fragment), "{e} lacks {fragment:?}");
            }
            other => panic!("expected IncompleteSignature ({fragment}), got {other:?}"),
        }
    }

    fn replace_auth(fx: &mut Fixture, from: &str, to: &str) {
        let auth = fx.header("authorization");
        assert!(auth.contains(from), "{auth} lacks {from}");
        fx.set("authorization", &auth.replace(from, to));
    }

    // --- fixtures from botocore ------------------------------------------------

    #[test]
    fn every_fixture_verifies_as_expected() {
        let fixtures = all_fixtures();
        assert!(fixtures.len() >= 16, "only {} fixtures", fixtures.len());
        let mut ok = 0;
        for fx in &fixtures {
            let result = fx.verify();
            match (&fx.expected_access_key_id, &fx.expected_error) {
                (Some(akid), None) => {
                    assert_eq!(result.as_ref().ok(), Some(akid), "{}: {result:?}", fx.name);
                    ok += 1;
                }
                (None, Some(error)) => {
                    let got = result.as_ref().map_err(SigV4Error::error_type);
                    assert_eq!(got, Err(error.as_str()), "{}", fx.name);
                }
                _ => panic!("{}: fixture must expect a key or an error", fx.name),
            }
        }
        assert!(ok >= 12, "only {ok} positive fixtures");
    }

    #[test]
    fn canonical_requests_equal_botocores() {
        for fx in all_fixtures() {
            let Some(expected) = &fx.botocore_canonical_request else {
                continue;
            };
            let auth_header = fx.header("authorization");
            let auth = parse_authorization(&auth_header).unwrap();
            let hash = payload_hash(&fx.headers, &fx.body).unwrap();
            let ours = String::from_utf8(canonical_request(&fx.req(), &auth, &hash)).unwrap();
            assert_eq!(&ours, expected, "{}", fx.name);
        }
    }

    #[test]
    fn fixtures_signed_elsewhere_verify_where_they_were_signed() {
        let wrong_region = fixture("boto3_wrong_region");
        assert_eq!(wrong_region.signed_region, "eu-west-1");
        match wrong_region.verify() {
            Err(e @ SigV4Error::InvalidScope(_)) => {
                assert_eq!(
                    e.to_string(),
                    "Credential should be scoped to a valid region, not 'eu-west-1'. "
                );
            }
            other => panic!("{other:?}"),
        }
        let r = verify(&wrong_region.req(), &keys(), "eu-west-1", wrong_region.now);
        assert_eq!(r.unwrap(), AKID);

        let wrong_service = fixture("wrong_service");
        assert_eq!(wrong_service.signed_service, "sts");
        match wrong_service.verify() {
            Err(e @ SigV4Error::InvalidScope(_)) => {
                assert_eq!(e.error_type(), "InvalidSignatureException");
                assert!(e.to_string().contains("'cognito-idp'"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }

    // --- negative tests, mutating a boto3 request ------------------------------

    fn base() -> Fixture {
        let fx = fixture("boto3_list_user_pools");
        assert_eq!(fx.verify().unwrap(), AKID);
        fx
    }

    #[test]
    fn changed_body_fails() {
        let mut fx = base();
        fx.body = br#"{"MaxResults": 60}"#.to_vec();
        assert_mismatch(fx.verify());
        fx.body.clear();
        assert_mismatch(fx.verify());
    }

    #[test]
    fn changed_target_header_fails() {
        let mut fx = base();
        fx.set(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.DeleteUserPool",
        );
        assert_mismatch(fx.verify());
        let mut fx = base();
        fx.headers.remove("x-amz-target");
        assert_mismatch(fx.verify());
    }

    #[test]
    fn changed_signed_header_fails() {
        let mut fx = base();
        fx.set("content-type", "application/json");
        assert_mismatch(fx.verify());
        let mut fx = base();
        fx.set("host", "evil.example:9229");
        assert_mismatch(fx.verify());
        // A second value for a signed header changes its canonical form.
        let mut fx = base();
        fx.headers.append(
            "x-amz-target",
            HeaderValue::from_static("AWSCognitoIdentityProviderService.DeleteUserPool"),
        );
        assert_mismatch(fx.verify());
    }

    #[test]
    fn changed_method_path_or_query_fails() {
        let mut fx = base();
        fx.method = "PUT".into();
        assert_mismatch(fx.verify());
        let mut fx = base();
        fx.path = "/other".into();
        assert_mismatch(fx.verify());
        let mut fx = base();
        fx.query = "x=1".into();
        assert_mismatch(fx.verify());
    }

    #[test]
    fn unsigned_extra_headers_are_fine() {
        let mut fx = base();
        fx.set("x-forwarded-for", "203.0.113.9");
        fx.set("user-agent", "something else entirely");
        fx.set("content-length", "18");
        fx.set("x-amzn-trace-id", "Root=1-abc");
        assert_eq!(fx.verify().unwrap(), AKID);
    }

    #[test]
    fn http2_authority_stands_in_for_host() {
        let mut fx = base();
        let host = fx.header("host");
        fx.headers.remove("host");
        assert_mismatch(fx.verify());
        let req = SignedRequest {
            authority: Some(&host),
            ..fx.req()
        };
        assert_eq!(verify(&req, &keys(), "us-east-1", fx.now).unwrap(), AKID);
        let req = SignedRequest {
            authority: Some("evil.example"),
            ..fx.req()
        };
        assert_mismatch(verify(&req, &keys(), "us-east-1", fx.now));
    }

    #[test]
    fn wrong_secret_fails() {
        let fx = base();
        let keys = AdminKeys::parse_file(&format!("{AKID}:{SECRET}x\n")).unwrap();
        assert_mismatch(verify(&fx.req(), &keys, "us-east-1", fx.now));
        let keys = AdminKeys::parse_file(&format!("{AKID}:{}\n", &SECRET[1..])).unwrap();
        assert_mismatch(verify(&fx.req(), &keys, "us-east-1", fx.now));
    }

    #[test]
    fn unknown_key_id_is_unrecognized() {
        let fx = base();
        let keys = AdminKeys::parse_env(&format!("AKIDSOMEONEELSE1:{SECRET}")).unwrap();
        let r = verify(&fx.req(), &keys, "us-east-1", fx.now);
        assert_eq!(r, Err(SigV4Error::UnrecognizedClient));
        let e = r.unwrap_err();
        assert_eq!(e.error_type(), "UnrecognizedClientException");
        assert_eq!(
            e.to_string(),
            "The security token included in the request is invalid."
        );
        // Key ids are case-sensitive.
        let keys = AdminKeys::parse_env(&format!("{}:{SECRET}", AKID.to_lowercase())).unwrap();
        assert_eq!(
            verify(&fx.req(), &keys, "us-east-1", fx.now),
            Err(SigV4Error::UnrecognizedClient)
        );
    }

    #[test]
    fn wrong_region_fails() {
        let fx = base();
        let r = verify(&fx.req(), &keys(), "eu-west-1", fx.now);
        assert_eq!(err_type(r.clone()), "InvalidSignatureException");
        assert_eq!(
            r.unwrap_err().to_string(),
            "Credential should be scoped to a valid region, not 'us-east-1'. "
        );
    }

    #[test]
    fn forged_scope_fails() {
        // Rewriting the scope in the header cannot pass either check.
        let mut fx = base();
        replace_auth(&mut fx, "/cognito-idp/", "/sts/");
        assert!(matches!(fx.verify(), Err(SigV4Error::InvalidScope(_))));
        let mut fx = base();
        replace_auth(&mut fx, "/aws4_request", "/aws5_request");
        let r = fx.verify();
        assert!(
            matches!(&r, Err(SigV4Error::InvalidScope(m)) if m.contains("terminator")),
            "{r:?}"
        );
        let mut fx = base();
        replace_auth(&mut fx, "/20261122/", "/20261121/");
        let r = fx.verify();
        assert_eq!(
            r.unwrap_err().to_string(),
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261121' != '20261122', from '20261122T014000Z'."
        );
    }

    #[test]
    fn clock_skew_window() {
        let fx = base();
        let at = |now: OffsetDateTime| verify(&fx.req(), &keys(), "us-east-1", now);
        assert!(at(fx.now + Duration::minutes(5)).is_ok());
        assert!(at(fx.now - Duration::minutes(5)).is_ok());

        let late = at(fx.now + Duration::minutes(6)).unwrap_err();
        assert_eq!(late.error_type(), "InvalidSignatureException");
        assert_eq!(
            late.to_string(),
            "Signature expired: 20261122T014000Z is now earlier than 20261122T014100Z (20261122T014600Z - 5 min.)"
        );
        let early = at(fx.now - Duration::minutes(6)).unwrap_err();
        assert_eq!(early.error_type(), "InvalidSignatureException");
        assert_eq!(
            early.to_string(),
            "Signature not yet current: 20261122T014000Z is still later than 20261122T013900Z (20261122T013400Z + 5 min.)"
        );
        assert!(at(fx.now + Duration::minutes(5) + Duration::seconds(1)).is_err());
        assert!(at(fx.now - Duration::minutes(5) - Duration::seconds(1)).is_err());
        // The server clock's offset does not matter.
        let offset = UtcOffset::from_hms(5, 30, 0).unwrap();
        assert!(at(fx.now.to_offset(offset)).is_ok());
    }

    #[test]
    fn changed_date_header_fails() {
        let mut fx = base();
        fx.set("x-amz-date", "20261122T014001Z");
        assert_mismatch(fx.verify());
        let mut fx = base();
        fx.set("x-amz-date", "2026-11-22T01:40:00Z");
        assert_incomplete(fx.verify(), "ISO-8601 'basic format'");
        let mut fx = base();
        fx.headers.remove("x-amz-date");
        assert_incomplete(fx.verify(), "'X-Amz-Date' or a 'Date' header");
    }

    #[test]
    fn missing_authorization() {
        let mut fx = base();
        fx.headers.remove("authorization");
        let e = fx.verify().unwrap_err();
        assert_eq!(e, SigV4Error::MissingAuthenticationToken);
        assert_eq!(e.error_type(), "MissingAuthenticationTokenException");
        assert_eq!(e.to_string(), "Missing Authentication Token");
        assert_eq!(e.http_status(), 400);
    }

    #[test]
    fn malformed_authorization() {
        let fx = base();
        let auth = fx.header("authorization");
        let sig = auth.rsplit_once("Signature=").unwrap().1.to_owned();
        let cases: Vec<(String, &str)> = vec![
            ("".into(), "Unsupported Authorization scheme"),
            ("Bearer abc".into(), "Unsupported Authorization scheme"),
            (
                auth.replacen("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1),
                "Unsupported",
            ),
            ("AWS4-HMAC-SHA256".into(), "requires 'Credential' parameter"),
            (
                auth.replace(&format!(", Signature={sig}"), ""),
                "requires 'Signature' parameter",
            ),
            (
                auth.replace(
                    ", SignedHeaders=content-type;host;x-amz-date;x-amz-target",
                    "",
                ),
                "requires 'SignedHeaders' parameter",
            ),
            (
                auth.replace("Signature=", "Signature"),
                "not of the form name=value",
            ),
            (
                format!("{auth}, Signature={sig}"),
                "more than one 'Signature'",
            ),
            (format!("{auth}, Extra=1"), "unknown component 'Extra'"),
            (
                auth.replace("Credential=AKIDCIRRUSEXAMPLE01/", "Credential="),
                "Credential must have the form",
            ),
            (
                auth.replace("Credential=AKIDCIRRUSEXAMPLE01", "Credential="),
                "empty access key id",
            ),
            (
                auth.replace("content-type;host", "Content-Type;host"),
                "lower-case",
            ),
            (
                auth.replace("content-type;host", "content-type;;host"),
                "lower-case",
            ),
            (auth.replace("content-type;host", "host;host"), "twice"),
        ];
        for (value, fragment) in cases {
            let mut fx = fx.clone();
            fx.set("authorization", &value);
            assert_incomplete(fx.verify(), fragment);
        }
        // Two Authorization headers.
        let mut fx2 = fx.clone();
        fx2.headers
            .append("authorization", HeaderValue::from_str(&auth).unwrap());
        assert_incomplete(fx2.verify(), "Only one Authorization header");
        // Non-ASCII.
        let mut fx3 = fx.clone();
        fx3.headers.insert(
            "authorization",
            HeaderValue::from_bytes("AWS4-HMAC-SHA256 Credential=é".as_bytes()).unwrap(),
        );
        assert_incomplete(fx3.verify(), "non-ASCII");
    }

    #[test]
    fn mangled_authorization_never_verifies_or_panics() {
        let fx = base();
        let auth = fx.header("authorization");
        // Every truncation, and every single-character substitution.
        let mut variants: Vec<String> = (0..auth.len()).map(|n| auth[..n].to_owned()).collect();
        for i in 0..auth.len() {
            for c in [' ', ',', '=', '/', ';', 'A', '0'] {
                let mut v = auth.clone().into_bytes();
                if v[i] != c as u8 {
                    v[i] = c as u8;
                    variants.push(String::from_utf8(v).unwrap());
                }
            }
        }
        for v in variants {
            let mut fx = fx.clone();
            fx.set("authorization", &v);
            if let Ok(k) = fx.verify() {
                // Only whitespace-equivalent rewrites may still verify.
                let squash = |s: &str| s.replace([' ', ','], "");
                assert_eq!(squash(&v), squash(&auth), "verified as {k}: {v}");
            }
        }
    }

    #[test]
    fn authorization_spacing_is_tolerated() {
        let mut fx = base();
        let auth = fx.header("authorization");
        fx.set("authorization", &format!("  {}  ", auth.replace(", ", ",")));
        assert_eq!(fx.verify().unwrap(), AKID);
    }

    #[test]
    fn bad_signature_values_fail() {
        let fx = base();
        let auth = fx.header("authorization");
        let sig = auth.rsplit_once("Signature=").unwrap().1.to_owned();
        let mut flipped = sig.clone().into_bytes();
        flipped[10] = if flipped[10] == b'0' { b'1' } else { b'0' };
        for bad in [
            String::from_utf8(flipped).unwrap(),
            sig[..62].to_owned(),
            format!("{sig}00"),
            "zz".repeat(32),
            "0".repeat(64),
            sig.to_uppercase(),
        ] {
            let mut fx = fx.clone();
            fx.set("authorization", &auth.replace(&sig, &bad));
            assert_mismatch(fx.verify());
        }
    }

    #[test]
    fn host_must_be_signed() {
        let mut fx = base();
        replace_auth(
            &mut fx,
            "content-type;host;x-amz-date",
            "content-type;x-amz-date",
        );
        assert_incomplete(
            fx.verify(),
            "'Host' or ':authority' must be a 'SignedHeader'",
        );
    }

    #[test]
    fn date_header_must_be_signed() {
        let mut fx = base();
        replace_auth(&mut fx, "host;x-amz-date;x-amz-target", "host;x-amz-target");
        assert_incomplete(fx.verify(), "'X-Amz-Date' must be a 'SignedHeader'");
    }

    #[test]
    fn presigned_urls_are_refused_clearly() {
        let mut fx = base();
        fx.headers.remove("authorization");
        fx.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x&X-Amz-Signature=00".into();
        assert_incomplete(fx.verify(), "presigned URL");
        let mut fx = base();
        fx.query = "X-Amz-Signature=00".into();
        assert_incomplete(fx.verify(), "Only one auth mechanism");
    }

    #[test]
    fn session_token_is_covered_by_the_signature() {
        let fx = fixture("boto3_session_token");
        assert!(fx.headers.contains_key("x-amz-security-token"));
        assert!(fx.header("authorization").contains("x-amz-security-token"));
        assert_eq!(fx.verify().unwrap(), AKID);
        let mut changed = fx.clone();
        changed.set("x-amz-security-token", "another-token");
        assert_mismatch(changed.verify());
        let mut removed = fx;
        removed.headers.remove("x-amz-security-token");
        assert_mismatch(removed.verify());
    }

    #[test]
    fn content_sha256_header_must_match_body() {
        let fx = fixture("content_sha256_header");
        assert_eq!(fx.verify().unwrap(), AKID);
        let mut other_body = fx.clone();
        other_body.body = b"{}".to_vec();
        let r = other_body.verify();
        assert!(
            matches!(&r, Err(SigV4Error::InvalidScope(m)) if m.contains("x-amz-content-sha256")),
            "{r:?}"
        );
        let mut unsigned = fx.clone();
        unsigned.set("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
        assert_eq!(err_type(unsigned.verify()), "InvalidSignatureException");
        let mut streaming = fx;
        streaming.set("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
        assert_eq!(err_type(streaming.verify()), "InvalidSignatureException");
    }

    #[test]
    fn date_header_fallback() {
        let fx = fixture("date_header");
        assert!(!fx.headers.contains_key("x-amz-date"));
        assert_eq!(fx.verify().unwrap(), AKID);
        let late = verify(
            &fx.req(),
            &keys(),
            "us-east-1",
            fx.now + Duration::minutes(6),
        );
        assert!(matches!(late, Err(SigV4Error::SignatureExpired { .. })));
        let mut changed = fx.clone();
        changed.set("date", "Sun, 22 Nov 2026 01:40:01 -0000");
        assert_mismatch(changed.verify());
        let mut bad = fx;
        bad.set("date", "yesterday");
        assert_incomplete(bad.verify(), "ISO-8601");
    }

    // --- canonicalisation details ----------------------------------------------

    #[test]
    fn canonical_uri_cases() {
        for (raw, expected) in [
            ("", "/"),
            ("/", "/"),
            ("//", "/"),
            ("/a/b", "/a/b"),
            ("/a/b/", "/a/b/"),
            ("/a/./b/../c", "/a/c"),
            ("/../..", "/"),
            ("/a%20b", "/a%2520b"),
            ("/a b", "/a%20b"),
            ("/~user/x-y_z.txt", "/~user/x-y_z.txt"),
            ("/é", "/%C3%A9"),
            ("/a:b+c=d", "/a%3Ab%2Bc%3Dd"),
        ] {
            assert_eq!(canonical_uri(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn canonical_query_cases() {
        for (raw, expected) in [
            ("", ""),
            ("a=1", "a=1"),
            ("b=2&a=1", "a=1&b=2"),
            ("a=2&a=1&a=10", "a=1&a=10&a=2"),
            ("A=1&a=1", "A=1&a=1"),
            ("k", "k="),
            ("k=", "k="),
            ("a=1&&b=2&", "a=1&b=2"),
            ("x=a%20b", "x=a%20b"),
            ("x=a+b", "x=a%20b"),
            ("x=a%2Bb", "x=a%2Bb"),
            ("x=%2f%7E", "x=%2F~"),
            ("x=é", "x=%C3%A9"),
            ("x=a=b", "x=a%3Db"),
            ("x=%zz", "x=%25zz"),
            ("x=%", "x=%25"),
        ] {
            assert_eq!(canonical_query(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn header_value_trimming() {
        for (raw, expected) in [
            ("a", "a"),
            ("  a  ", "a"),
            ("a   b\t\tc", "a b c"),
            ("\t", ""),
            ("", ""),
            ("\"a   b\"", "\"a b\""),
        ] {
            let mut out = Vec::new();
            push_trimmed(&mut out, raw.as_bytes());
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{raw:?}");
        }
    }

    #[test]
    fn iso_basic_parsing() {
        let t = parse_iso_basic("20261122T014000Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1_795_311_600);
        assert_eq!(format_iso_basic(t), "20261122T014000Z");
        for bad in [
            "",
            "20261122T014000",
            "20261122 014000Z",
            "2026-11-22T01:40:00Z",
            "20261322T014000Z",
            "20261131T014000Z",
            "20261122T244000Z",
            "20261122T016000Z",
            "+0261122T014000Z",
            "20261122T01400aZ",
            "20261122T014000z",
        ] {
            assert!(parse_iso_basic(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn date_header_forms() {
        let expected = parse_iso_basic("20261122T014000Z").unwrap();
        for value in [
            "Sun, 22 Nov 2026 01:40:00 GMT",
            "Sun, 22 Nov 2026 01:40:00 -0000",
            "Sun, 22 Nov 2026 01:40:00 +0000",
            "Sun, 22 Nov 2026 02:40:00 +0100",
            "20261122T014000Z",
        ] {
            let mut headers = HeaderMap::new();
            headers.insert("date", HeaderValue::from_static(value));
            let stamp = request_timestamp(&headers).unwrap();
            assert_eq!(stamp.header, "date");
            assert_eq!(stamp.time, expected, "{value}");
            assert_eq!(stamp.iso, "20261122T014000Z", "{value}");
        }
        // X-Amz-Date wins over Date and is used verbatim.
        let mut headers = HeaderMap::new();
        headers.insert(
            "date",
            HeaderValue::from_static("Mon, 01 Jan 2001 00:00:00 GMT"),
        );
        headers.insert("x-amz-date", HeaderValue::from_static("20261122T014000Z"));
        let stamp = request_timestamp(&headers).unwrap();
        assert_eq!((stamp.header, stamp.time), ("x-amz-date", expected));
        // An invalid X-Amz-Date does not fall back to Date.
        headers.insert("x-amz-date", HeaderValue::from_static("garbage"));
        assert!(request_timestamp(&headers).is_err());
        headers.append("x-amz-date", HeaderValue::from_static("20261122T014000Z"));
        assert!(request_timestamp(&headers).is_err());
    }

    /// AWS's published example (IAM ListUsers, docs "Create a signed AWS API
    /// request"): secret, scope and string to sign give a known signature.
    #[test]
    fn signing_key_derivation_known_answer() {
        let sts = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n\
                   f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59";
        let tag = signature(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "iam",
            sts,
        );
        assert_eq!(
            hex::encode(tag),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn error_types() {
        let cases = [
            (
                SigV4Error::MissingAuthenticationToken,
                "MissingAuthenticationTokenException",
            ),
            (
                SigV4Error::IncompleteSignature("x".into()),
                "IncompleteSignatureException",
            ),
            (
                SigV4Error::UnrecognizedClient,
                "UnrecognizedClientException",
            ),
            (
                SigV4Error::InvalidScope("x".into()),
                "InvalidSignatureException",
            ),
            (
                SigV4Error::SignatureMismatch {
                    canonical_request: String::new(),
                    string_to_sign: String::new(),
                },
                "InvalidSignatureException",
            ),
        ];
        for (e, t) in cases {
            assert_eq!(e.error_type(), t);
        }
        let e = SigV4Error::SignatureMismatch {
            canonical_request: String::new(),
            string_to_sign: String::new(),
        };
        assert!(e.to_string().starts_with(
            "The request signature we calculated does not match the signature you provided."
        ));
    }

    // --- admin keys ------------------------------------------------------------

    #[test]
    fn admin_keys_file() {
        let keys = AdminKeys::parse_file(
            "# admin keys\n\nAKIDONE:secret/one+x=\n   \n  AKIDTWO:sec:ret:two  \n# end\n",
        )
        .unwrap();
        assert_eq!(keys.len(), 2);
        assert!(!keys.is_empty());
        assert!(keys.contains("AKIDONE") && keys.contains("AKIDTWO"));
        assert_eq!(keys.secret("AKIDTWO"), Some("sec:ret:two"));
        assert_eq!(
            keys.access_key_ids().collect::<Vec<_>>(),
            ["AKIDONE", "AKIDTWO"]
        );
        let debug = format!("{keys:?}");
        assert!(
            debug.contains("AKIDONE") && !debug.contains("secret/one"),
            "{debug}"
        );

        let err = |text: &str| AdminKeys::parse_file(text).unwrap_err();
        assert_eq!(
            err("# c\nAKID:ok\nnot a pair\n"),
            AdminKeysError::Line {
                line: 3,
                reason: "expected ACCESS_KEY_ID:SECRET".into()
            }
        );
        assert!(matches!(
            err("\n:secret"),
            AdminKeysError::Line { line: 2, .. }
        ));
        assert!(matches!(err("AKID:"), AdminKeysError::Line { line: 1, .. }));
        assert!(matches!(
            err("AK/ID:s"),
            AdminKeysError::Line { line: 1, .. }
        ));
        assert!(matches!(
            err("AKID:s e"),
            AdminKeysError::Line { line: 1, .. }
        ));
        let dup = err("A:x\nB:y\nA:z\n");
        assert!(
            matches!(&dup, AdminKeysError::Line { line: 3, reason } if reason.contains("duplicate"))
        );
        assert_eq!(err("# only comments\n\n"), AdminKeysError::Empty);
        assert_eq!(err(""), AdminKeysError::Empty);
        // Errors never echo secrets.
        assert!(
            !err("AKID:topsecret value")
                .to_string()
                .contains("topsecret")
        );
        assert!(err("AKID:x\nbroken").to_string().contains("line 2"));
    }

    #[test]
    fn admin_keys_env() {
        let keys = AdminKeys::parse_env(" AKIDONE:s1 , AKIDTWO:s2/+= ,").unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys.secret("AKIDONE"), Some("s1"));
        assert_eq!(keys.secret("AKIDTWO"), Some("s2/+="));
        assert_eq!(
            AdminKeys::parse_env("A:1,B").unwrap_err(),
            AdminKeysError::Entry {
                entry: 2,
                reason: "expected ACCESS_KEY_ID:SECRET".into()
            }
        );
        assert_eq!(AdminKeys::parse_env("").unwrap_err(), AdminKeysError::Empty);
        assert!(
            AdminKeys::parse_env("A:1,A:2")
                .unwrap_err()
                .to_string()
                .contains("entry 2")
        );
    }
}
