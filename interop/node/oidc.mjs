// openid-client (v6) as the relying party of a Cirrus pool.
//
//   node oidc.mjs '{"issuer": ..., "clientId": ..., "clientSecret": null, "clientAuth": "client_secret_basic",
//                   "redirectUri": ..., "scope": "openid email profile", "extraParams": {...}}'
//
// Talks JSON lines with its caller (the Python test, which plays the user and the SAML IdP):
//   stdout  {"authorizationUrl": "..."}   discovery done; the caller follows this URL
//   stdin   {"callbackUrl": "..."}        where the authorization server sent the browser back
//   stdout  {"ok": true, ...}             code exchanged (PKCE, state, nonce, ID token signature via
//                                         JWKS checked by openid-client), userinfo, a refresh grant,
//                                         then revocation and a refresh grant that must fail
// On any error: {"ok": false, "error": ..., "code": ..., "message": ...} and exit status 1.
import * as client from 'openid-client';
import { createInterface } from 'node:readline';

const opts = JSON.parse(process.argv[2]);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

function say(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function describe(e) {
  return {
    ok: false,
    error: e?.name ?? String(e),
    code: e?.code,
    message: e?.message,
    oauthError: e?.error,
    oauthErrorDescription: e?.error_description,
    cause: e?.cause ? { error: e.cause.error, error_description: e.cause.error_description, message: e.cause.message, code: e.cause.code } : undefined,
  };
}

// Every request openid-client makes, to show which endpoints (discovery, token, JWKS, ...) it used.
const requests = [];
function logged(url, options) {
  const body = options?.body instanceof URLSearchParams ? options.body : null;
  requests.push({
    method: options?.method ?? 'GET',
    url: String(url),
    basicAuth: /^Basic /.test(new Headers(options?.headers).get('authorization') ?? ''),
    bodyParams: body ? [...body.keys()] : null,
  });
  return fetch(url, options);
}

async function main() {
  const auth = !opts.clientSecret
    ? client.None()
    : opts.clientAuth === 'client_secret_post'
      ? client.ClientSecretPost(opts.clientSecret)
      : client.ClientSecretBasic(opts.clientSecret);
  // The test server is plain http on loopback: allow it, and check ID token signatures against
  // the JWKS even though they come straight from the token endpoint.
  const config = await client.discovery(new URL(opts.issuer), opts.clientId, undefined, auth, {
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
    [client.customFetch]: logged,
  });
  config[client.customFetch] = logged;
  const meta = config.serverMetadata();

  const codeVerifier = client.randomPKCECodeVerifier();
  const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const params = {
    redirect_uri: opts.redirectUri,
    scope: opts.scope ?? 'openid',
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(opts.extraParams ?? {}),
  };
  const url = client.buildAuthorizationUrl(config, params);
  say({ authorizationUrl: url.href, state, nonce, codeChallenge });

  const next = await lines.next();
  if (next.done) throw new Error('no callback URL on stdin');
  const { callbackUrl } = JSON.parse(next.value);

  const tokens = await client.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);

  let refreshed = null;
  if (tokens.refresh_token) {
    const r = await client.refreshTokenGrant(config, tokens.refresh_token);
    refreshed = {
      claims: r.claims() ?? null,
      token_type: r.token_type,
      expires_in: r.expiresIn(),
      has_refresh_token: Boolean(r.refresh_token),
      access_token: r.access_token,
      id_token: r.id_token,
    };
    // Revocation (RFC 7009) through openid-client ends the refresh token's session...
    await client.tokenRevocation(config, tokens.refresh_token, { token_type_hint: 'refresh_token' });
    // ...so a second refresh grant must fail.
    try {
      await client.refreshTokenGrant(config, tokens.refresh_token);
      refreshed.afterRevocation = { ok: true };
    } catch (e) {
      refreshed.afterRevocation = describe(e);
    }
  }

  say({
    ok: true,
    issuer: meta.issuer,
    metadata: meta,
    state,
    nonce,
    token_type: tokens.token_type,
    expires_in: tokens.expiresIn(),
    scope: tokens.scope,
    claims,
    userinfo,
    id_token: tokens.id_token,
    access_token: tokens.access_token,
    refreshed,
    requests,
  });
}

main().then(
  () => process.exit(0),
  (e) => {
    say(describe(e));
    process.exit(1);
  },
);
