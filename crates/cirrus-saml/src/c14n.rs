//! Exclusive XML Canonicalization 1.0 (<http://www.w3.org/2001/10/xml-exc-c14n#>), with and
//! without comments, with an `InclusiveNamespaces` PrefixList, optionally leaving out one
//! subtree (the enveloped-signature transform).

use std::collections::BTreeMap;

use roxmltree::{Node, NodeType};

use crate::error::C14nError;

/// Algorithm URI of exclusive C14N without comments.
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Algorithm URI of exclusive C14N with comments.
pub const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const MAX_DEPTH: usize = 256;

/// Options of one canonicalization.
#[derive(Debug, Clone, Default)]
pub struct C14nOptions<'a, 'input> {
    /// Keep comments (the `#WithComments` variant).
    pub with_comments: bool,
    /// The `InclusiveNamespaces` PrefixList; `#default` stands for the default namespace.
    pub inclusive_prefixes: Vec<String>,
    /// A subtree left out of the output (the enveloped `ds:Signature`).
    pub exclude: Option<Node<'a, 'input>>,
}

/// Canonicalizes the subtree rooted at element `node` to bytes.
pub fn canonicalize(
    node: Node<'_, '_>,
    options: &C14nOptions<'_, '_>,
) -> Result<Vec<u8>, C14nError> {
    if !node.is_element() {
        return Err(C14nError::NotAnElement);
    }
    let mut out = String::new();
    let rendered: BTreeMap<&str, &str> = BTreeMap::new();
    write_element(node, options, &rendered, &mut out, 0)?;
    Ok(out.into_bytes())
}

/// The prefix of an element's qualified name, read from the source text ("" if none).
fn element_prefix<'i>(node: Node<'_, 'i>) -> Result<&'i str, C14nError> {
    let text = node.document().input_text();
    let rest = text
        .get(node.range().start..)
        .and_then(|s| s.strip_prefix('<'))
        .ok_or(C14nError::QName)?;
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .ok_or(C14nError::QName)?;
    let qname = rest.get(..end).ok_or(C14nError::QName)?;
    let prefix = qname.split_once(':').map_or("", |(p, _)| p);
    Ok(prefix)
}

/// The prefix of an attribute's qualified name ("" if none).
fn attribute_prefix<'i>(
    node: Node<'_, 'i>,
    attr: &roxmltree::Attribute<'_, 'i>,
) -> Result<&'i str, C14nError> {
    let qname = node
        .document()
        .input_text()
        .get(attr.range_qname())
        .ok_or(C14nError::QName)?;
    Ok(qname.split_once(':').map_or("", |(p, _)| p))
}

fn write_element<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    options: &C14nOptions<'_, '_>,
    rendered: &BTreeMap<&'a str, &'a str>,
    out: &mut String,
    depth: usize,
) -> Result<(), C14nError> {
    if depth > MAX_DEPTH {
        return Err(C14nError::TooDeep(MAX_DEPTH));
    }
    let prefix = element_prefix(node)?;

    // In-scope namespaces (prefix "" = default), xml prefix excluded.
    let in_scope: BTreeMap<&'a str, &'a str> = node
        .namespaces()
        .filter(|ns| ns.name() != Some("xml"))
        .map(|ns| (ns.name().unwrap_or(""), ns.uri()))
        .collect();

    // Visibly utilized prefixes plus the InclusiveNamespaces PrefixList.
    let mut utilized: Vec<&str> = vec![prefix];
    let mut attrs: Vec<(&str, &str, &str, &str)> = Vec::new(); // (ns uri, local, qname prefix, value)
    for attr in node.attributes() {
        let ap = attribute_prefix(node, &attr)?;
        if !ap.is_empty() && ap != "xml" {
            utilized.push(ap);
        }
        attrs.push((
            attr.namespace().unwrap_or(""),
            attr.name(),
            ap,
            attr.value(),
        ));
    }
    for p in &options.inclusive_prefixes {
        let p = if p == "#default" { "" } else { p.as_str() };
        utilized.push(p);
    }

    let mut new_rendered = rendered.clone();
    let mut decls: BTreeMap<&str, &str> = BTreeMap::new();
    for p in utilized {
        if p == "xml" {
            continue;
        }
        let uri = in_scope.get(p).copied().unwrap_or("");
        let already = rendered.get(p).copied().unwrap_or("");
        if p.is_empty() {
            // Default namespace: render when it differs from what the output ancestors rendered
            // (an empty default against an absent one is not rendered).
            if uri != already {
                decls.insert(p, uri);
                new_rendered.insert(p, uri);
            }
        } else if !uri.is_empty() && rendered.get(p).copied() != Some(uri) {
            decls.insert(p, uri);
            new_rendered.insert(p, uri);
        }
    }

    out.push('<');
    push_qname(out, prefix, node.tag_name().name());
    for (p, uri) in &decls {
        if p.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(p);
            out.push_str("=\"");
        }
        escape_attr(out, uri);
        out.push('"');
    }
    attrs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (ns, local, ap, value) in &attrs {
        out.push(' ');
        let p = if ns.is_empty() {
            ""
        } else if *ns == XML_NS {
            "xml"
        } else {
            ap
        };
        push_qname(out, p, local);
        out.push_str("=\"");
        escape_attr(out, value);
        out.push('"');
    }
    out.push('>');

    for child in node.children() {
        if options.exclude.is_some_and(|x| x == child) {
            continue;
        }
        match child.node_type() {
            NodeType::Element => write_element(child, options, &new_rendered, out, depth + 1)?,
            NodeType::Text => escape_text(out, child.text().unwrap_or("")),
            NodeType::Comment => {
                if options.with_comments {
                    out.push_str("<!--");
                    out.push_str(child.text().unwrap_or(""));
                    out.push_str("-->");
                }
            }
            NodeType::PI => {
                if let Some(pi) = child.pi() {
                    out.push_str("<?");
                    out.push_str(pi.target);
                    if let Some(v) = pi.value.filter(|v| !v.is_empty()) {
                        out.push(' ');
                        out.push_str(v);
                    }
                    out.push_str("?>");
                }
            }
            NodeType::Root => {}
        }
    }

    out.push_str("</");
    push_qname(out, prefix, node.tag_name().name());
    out.push('>');
    Ok(())
}

fn push_qname(out: &mut String, prefix: &str, local: &str) {
    if !prefix.is_empty() {
        out.push_str(prefix);
        out.push(':');
    }
    out.push_str(local);
}

fn escape_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n(xml: &str, with_comments: bool, prefixes: &[&str]) -> String {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let opts = C14nOptions {
            with_comments,
            inclusive_prefixes: prefixes.iter().map(|s| s.to_string()).collect(),
            exclude: None,
        };
        String::from_utf8(canonicalize(doc.root_element(), &opts).unwrap()).unwrap()
    }

    #[test]
    fn empty_elements_attribute_order_and_escaping() {
        assert_eq!(
            c14n(
                r#"<a b="2" a="1&amp;&lt;&#9;&#10;"><e/>x&gt;&amp;&#13;</a>"#,
                false,
                &[]
            ),
            "<a a=\"1&amp;&lt;&#x9;&#xA;\" b=\"2\"><e></e>x&gt;&amp;&#xD;</a>"
        );
    }

    #[test]
    fn only_visibly_utilized_namespaces_are_rendered() {
        let xml =
            r#"<r xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b"><a:x b:at="1"><y/></a:x></r>"#;
        let doc = roxmltree::Document::parse(xml).unwrap();
        let x = doc.root_element().first_element_child().unwrap();
        let out = canonicalize(x, &C14nOptions::default()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<a:x xmlns:a="urn:a" xmlns:b="urn:b" b:at="1"><y xmlns="urn:d"></y></a:x>"#
        );
    }

    #[test]
    fn inclusive_prefix_list() {
        let xml = r#"<r xmlns:a="urn:a" xmlns:xs="urn:xs"><a:x/></r>"#;
        let doc = roxmltree::Document::parse(xml).unwrap();
        let x = doc.root_element().first_element_child().unwrap();
        let opts = C14nOptions {
            inclusive_prefixes: vec!["xs".into(), "nope".into()],
            ..C14nOptions::default()
        };
        assert_eq!(
            String::from_utf8(canonicalize(x, &opts).unwrap()).unwrap(),
            r#"<a:x xmlns:a="urn:a" xmlns:xs="urn:xs"></a:x>"#
        );
    }

    #[test]
    fn comments_kept_only_with_comments() {
        let xml = "<n>a<!--c-->b</n>";
        assert_eq!(c14n(xml, false, &[]), "<n>ab</n>");
        assert_eq!(c14n(xml, true, &[]), "<n>a<!--c-->b</n>");
    }

    #[test]
    fn default_namespace_undeclared() {
        assert_eq!(
            c14n(r#"<r xmlns="urn:d"><x xmlns=""/></r>"#, false, &[]),
            r#"<r xmlns="urn:d"><x xmlns=""></x></r>"#
        );
        assert_eq!(
            c14n(r#"<r><x xmlns=""/></r>"#, false, &[]),
            "<r><x></x></r>"
        );
    }

    #[test]
    fn excluded_subtree_is_left_out() {
        let xml = r#"<r><s><t/></s><k/></r>"#;
        let doc = roxmltree::Document::parse(xml).unwrap();
        let s = doc.root_element().first_element_child().unwrap();
        let opts = C14nOptions {
            exclude: Some(s),
            ..C14nOptions::default()
        };
        assert_eq!(
            String::from_utf8(canonicalize(doc.root_element(), &opts).unwrap()).unwrap(),
            "<r><k></k></r>"
        );
    }
}
