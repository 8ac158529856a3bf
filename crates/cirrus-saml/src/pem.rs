//! Reading one labelled block out of a PEM text.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Why a PEM block could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PemError {
    /// No `-----BEGIN <label>-----` line.
    NoBlock(&'static str),
    /// The block has no `-----END <label>-----` line.
    Unterminated,
    /// The body is not base64.
    NotBase64(String),
}

impl std::fmt::Display for PemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PemError::NoBlock(label) => write!(f, "no PEM {label} block"),
            PemError::Unterminated => f.write_str("unterminated PEM block"),
            PemError::NotBase64(e) => write!(f, "PEM body is not base64: {e}"),
        }
    }
}

/// The base64 body (whitespace removed) of the first `label` block, undecoded.
pub fn block_body<'a>(text: &'a str, label: &'static str) -> Result<&'a str, PemError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin).ok_or(PemError::NoBlock(label))?;
    let body = text.get(start + begin.len()..).unwrap_or("");
    let stop = body.find(&end).ok_or(PemError::Unterminated)?;
    Ok(body.get(..stop).unwrap_or(""))
}

/// The decoded DER of the first `label` block.
pub fn block_der(text: &str, label: &'static str) -> Result<Vec<u8>, PemError> {
    let b64: String = block_body(text, label)?
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD
        .decode(b64.as_bytes())
        .map_err(|e| PemError::NotBase64(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks() {
        let pem = "junk\n-----BEGIN PRIVATE KEY-----\nAQID\nBA==\n-----END PRIVATE KEY-----\n";
        assert_eq!(block_der(pem, "PRIVATE KEY").unwrap(), vec![1, 2, 3, 4]);
        assert_eq!(
            block_der(pem, "CERTIFICATE"),
            Err(PemError::NoBlock("CERTIFICATE"))
        );
        assert_eq!(
            block_der("-----BEGIN PRIVATE KEY-----\nAQID", "PRIVATE KEY"),
            Err(PemError::Unterminated)
        );
        assert!(matches!(
            block_der(
                "-----BEGIN PRIVATE KEY-----\n***\n-----END PRIVATE KEY-----",
                "PRIVATE KEY"
            ),
            Err(PemError::NotBase64(_))
        ));
    }
}
