// aws-jwt-verify (v5) checking Cirrus tokens the way an API in front of Cognito does.
//
//   node verify.mjs '{"issuer": ..., "jwksUri": ..., "checks": [{"name": ..., "token": ..., "tokenUse": "id"|"access", "clientId": ..., "nowOffsetSeconds": 0}]}'
//
// CognitoJwtVerifier pins AWS's issuer host names (cognito-idp.<region>.amazonaws.com), so we use
// the generic verifier with our issuer and JWKS, plus the library's own Cognito claim checks
// (validateCognitoJwtFields: token_use, and the client id in `aud` or `client_id`) as its
// customJwtCheck. In v5 `JwtRsaVerifier` is an alias of `JwtVerifier`.
//
// The library fetches JWKS with node's `https` module, which refuses http: URLs; the test server
// is http on loopback, so the verifier's JWKS cache is given a fetcher that uses `fetch` instead
// (the cache, kid lookup, JWK parsing and signature checks remain the library's).
//
// Prints one JSON line: {"results": [{"name", "ok", "payload" | "error", "message"}]}.
import { JwtRsaVerifier, JwtVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

const opts = JSON.parse(process.argv[2]);

const fetched = [];
const fetcher = {
  async fetch(uri) {
    fetched.push(uri);
    const r = await fetch(uri, { signal: AbortSignal.timeout(10000) });
    if (r.status !== 200) throw new Error(`${uri}: status ${r.status}`);
    return r.arrayBuffer();
  },
};

function verifierFor(check) {
  const tokenUse = check.tokenUse;
  const clientId = check.clientId;
  return JwtRsaVerifier.create(
    {
      issuer: check.issuer ?? opts.issuer,
      jwksUri: check.jwksUri ?? opts.jwksUri,
      // ID tokens carry the client id in `aud`; access tokens have no `aud` (it is in `client_id`).
      audience: tokenUse === 'id' ? clientId : null,
      scope: check.scope,
      customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse, clientId, groups: check.groups }),
    },
    // A cache per check, so that one check's unknown kid (and the library's back-off after it)
    // does not affect the next.
    { jwksCache: new SimpleJwksCache({ fetcher }) },
  );
}

async function run(check) {
  const verifier = verifierFor(check);
  const realNow = Date.now;
  if (check.nowOffsetSeconds) {
    // As if the clock had moved on: the only way to see one of our tokens expire in a test.
    Date.now = () => realNow() + check.nowOffsetSeconds * 1000;
  }
  try {
    const payload = await verifier.verify(check.token);
    return { name: check.name, ok: true, payload };
  } catch (e) {
    return { name: check.name, ok: false, error: e?.constructor?.name ?? String(e), message: e?.message };
  } finally {
    Date.now = realNow;
  }
}

const results = [];
for (const check of opts.checks) {
  results.push(await run(check));
}
process.stdout.write(JSON.stringify({ results, fetched, aliasOfJwtVerifier: JwtRsaVerifier === JwtVerifier }) + '\n');
