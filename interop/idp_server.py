"""The test SAML IdP (`idp.SamlTestIdP`, signxml) served over HTTP on 127.0.0.1, for a real browser.

    GET /sso?SAMLRequest=...&RelayState=...&SigAlg=...&Signature=...
        Reads Cirrus's AuthnRequest (HTTP-Redirect binding; the query signature is checked against
        the pool's signing certificate when one is given) and shows a sign-in page whose form posts
        a signed SAMLResponse and the RelayState to the AssertionConsumerServiceURL of the request.
        Nothing on the page needs JavaScript: the user (the browser test) clicks the button.
    GET /metadata
        The IdP's SAML metadata; its SingleSignOnService points at this server.
    GET /cb
        An application's redirect URI: shows "Signed in" and the code (or the error) it received.
    GET /bye
        The application's sign-out URL: shows "Signed out".

Every request the IdP and the application saw is recorded (`authn_requests`, `callbacks`) so a test
can assert on them. The server runs in a daemon thread; use it as a context manager.
"""

from __future__ import annotations

import html
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from idp import SamlTestIdP

EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"


class IdPServer:
    __test__ = False

    def __init__(self, sp_certificate: str | None = None, name_id: str = "alice-0001", attributes: dict | None = None,
                 friendly_names: dict | None = None):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.idp = SamlTestIdP(base=self.url)
        # The pool's request-signing certificate (GetSigningCertificate), once it is known.
        self.sp_certificate = sp_certificate
        self.name_id = name_id
        self.attributes = attributes if attributes is not None else {
            EMAIL: ["alice@corp.example"], "urn:oid:2.5.4.42": ["Alice"], "department": ["eng"],
        }
        self.friendly_names = friendly_names if friendly_names is not None else {"urn:oid:2.5.4.42": "givenName"}
        self.authn_requests: list[dict] = []
        self.callbacks: list[dict] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="idp-server", daemon=True)

    @property
    def callback_url(self) -> str:
        return f"{self.url}/cb"

    def metadata(self) -> str:
        return self.idp.metadata()

    def start(self) -> "IdPServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> "IdPServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # The pages ---------------------------------------------------------------------------------

    def sso_page(self, raw_query: str) -> tuple[int, str]:
        try:
            req = self.idp.read_authn_request(f"{self.idp.sso_url}?{raw_query}", self.sp_certificate)
        except Exception as e:  # a test failure, shown on the page and recorded
            with self._lock:
                self.errors.append(f"bad AuthnRequest: {e!r}")
            return 400, _page("IdP error", f'<p role="alert">This is not an AuthnRequest we accept: {html.escape(repr(e))}</p>')
        with self._lock:
            self.authn_requests.append(req)
        audience = req["issuer"]
        saml = self.idp.response(
            acs=req["acs"], audience=audience, in_response_to=req["id"], name_id=self.name_id,
            attributes=self.attributes, friendly_names=self.friendly_names,
        )
        relay = ""
        if req["relay_state"] is not None:
            relay = f'<input type="hidden" name="RelayState" value="{html.escape(req["relay_state"])}">'
        body = (
            "<h1>Test IdP</h1>"
            f"<p>{html.escape(req['issuer'] or '')} asks you to sign in.</p>"
            f'<form method="post" action="{html.escape(req["acs"])}">'
            f'<input type="hidden" name="SAMLResponse" value="{html.escape(saml)}">{relay}'
            f'<button type="submit" id="idp-sign-in">Sign in as {html.escape(self.name_id)}</button>'
            "</form>"
        )
        return 200, _page("Test IdP: sign in", body)

    def callback_page(self, raw_query: str) -> tuple[int, str]:
        q = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        with self._lock:
            self.callbacks.append(q)
        if "code" in q:
            body = f'<h1>Signed in</h1><p>code: <code id="code">{html.escape(q["code"])}</code></p>'
        else:
            body = (
                f'<h1>Sign-in failed</h1><p id="error">{html.escape(q.get("error", "no code"))}</p>'
                f'<p id="error-description">{html.escape(q.get("error_description", ""))}</p>'
            )
        if "state" in q:
            body += f'<p>state: <code id="state">{html.escape(q["state"])}</code></p>'
        return 200, _page("App", body)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><main>{body}</main></body></html>"
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server's name)
        owner: IdPServer = self.server.owner
        path, _, query = self.path.partition("?")
        if path == "/sso":
            status, text, ctype = *owner.sso_page(query), "text/html; charset=utf-8"
        elif path == "/cb":
            status, text, ctype = *owner.callback_page(query), "text/html; charset=utf-8"
        elif path == "/bye":
            status, text, ctype = 200, _page("App", "<h1>Signed out</h1>"), "text/html; charset=utf-8"
        elif path == "/metadata":
            status, text, ctype = 200, owner.metadata(), "application/samlmetadata+xml"
        else:
            status, text, ctype = 404, _page("Not found", "<p>Not found</p>"), "text/html; charset=utf-8"
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # quiet: pytest shows failures, not access logs
        pass
