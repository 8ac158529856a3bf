#!/usr/bin/env python3
"""Independent Exclusive C14N oracle for cirrus-saml's differential tests (uses lxml/libxml2).

Reads a JSON array on stdin: [{"xml": str, "index": int, "with_comments": bool,
"prefixes": [str]}], where `index` is the position of the subtree's apex among all
elements in document order. Writes a JSON array of {"ok": str} or {"error": str}.
"""
import json
import sys

from lxml import etree


def one(case):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    root = etree.fromstring(case["xml"].encode("utf-8"), parser)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    el = elements[case["index"]]
    out = etree.tostring(
        el,
        method="c14n",
        exclusive=True,
        with_comments=case["with_comments"],
        inclusive_ns_prefixes=case["prefixes"] or None,
        with_tail=False,
    )
    return out.decode("utf-8")


def main():
    cases = json.load(sys.stdin)
    results = []
    for case in cases:
        try:
            results.append({"ok": one(case)})
        except Exception as exc:  # reported per case, the Rust side decides
            results.append({"error": repr(exc)})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
