// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core on Cirrus's hosted
// sign-in page, as a user would: no script of ours runs in the pages.
//
//   node browser.mjs '{"chromium": "/usr/bin/chromium", "workDir": "/tmp/...", "javaScriptEnabled": true,
//                      "scenarios": [{"name": ..., "route": "provider"|"email"|"keyboard",
//                                     "authorizeUrl": ..., "idpUrl": ..., "callbackUrl": ..., "email": ...,
//                                     "then": [url, ...], "openidClient": {"issuer": ..., "clientId": ...}}]}'
//
// Each scenario runs in its own browser with a fresh --user-data-dir (so no session cookie carries
// over). With `openidClient`, openid-client (the application) makes the authorization URL and
// redeems the callback the browser lands on. `then` URLs are visited afterwards in the same
// browser (hosted session, sign-out). Prints one JSON line: {"results": [...]}, one result per
// scenario with what the pages showed; the Python test asserts on it.
import { chromium } from 'playwright-core';
import * as oidc from 'openid-client';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const opts = JSON.parse(process.argv[2]);
const TIMEOUT = opts.timeoutMs ?? 15000;

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function signInPageFacts(page, scenario) {
  const facts = {};
  facts.url = page.url();
  facts.title = await page.title();
  facts.h1 = (await page.locator('h1').first().textContent())?.trim();
  facts.lang = await page.locator('html').getAttribute('lang');
  // The label bound to the email input by `for`, and the input it names.
  const label = page.locator('label[for]').filter({ hasText: 'email' }).first();
  facts.labelFor = (await label.count()) ? await label.getAttribute('for') : null;
  facts.labelText = (await label.count()) ? (await label.textContent())?.trim() : null;
  const byLabel = page.getByLabel(facts.labelText ?? 'Work email', { exact: true });
  facts.emailInputs = await byLabel.count();
  if (facts.emailInputs === 1) {
    facts.emailInputId = await byLabel.getAttribute('id');
    facts.emailInputType = await byLabel.getAttribute('type');
    facts.emailInputName = await byLabel.getAttribute('name');
    facts.emailAutocomplete = await byLabel.getAttribute('autocomplete');
  }
  facts.providerLinks = await page.getByRole('link', { name: /^Continue with / }).allTextContents();
  facts.continueButtons = await page.getByRole('button', { name: 'Continue', exact: true }).count();
  facts.ariaSnapshot = await page.locator('body').ariaSnapshot();
  facts.screenshot = join(opts.workDir, `${scenario.name}.png`);
  await page.screenshot({ path: facts.screenshot, fullPage: true });
  return facts;
}

async function focused(page) {
  const el = page.locator(':focus');
  if ((await el.count()) !== 1) return null;
  const tag = await el.evaluate((e) => e.tagName.toLowerCase()).catch(() => null);
  return {
    tag,
    type: await el.getAttribute('type'),
    id: await el.getAttribute('id'),
    href: await el.getAttribute('href'),
    text: (await el.textContent())?.trim(),
  };
}

// Tabs until the focused element matches `want`; returns the elements passed on the way.
async function tabTo(page, want, max = 12) {
  const order = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    order.push(f);
    if (f && want(f)) return order;
  }
  throw new Error(`Tab did not reach the element; focus went through ${JSON.stringify(order)}`);
}

async function atIdP(page, scenario, result) {
  await page.waitForURL((u) => u.href.startsWith(scenario.idpUrl), { timeout: TIMEOUT });
  result.idpPage = { url: page.url(), h1: (await page.locator('h1').textContent())?.trim() };
  const button = page.getByRole('button', { name: /^Sign in as / });
  if (scenario.route === 'keyboard') {
    result.idpTabOrder = await tabTo(page, (f) => f.tag === 'button');
    await page.keyboard.press('Enter');
  } else {
    await button.click();
  }
  await page.waitForURL((u) => u.href.startsWith(scenario.callbackUrl), { timeout: TIMEOUT });
  result.callback = {
    url: page.url(),
    h1: (await page.locator('h1').textContent())?.trim(),
    code: (await page.locator('#code').count()) ? (await page.locator('#code').textContent()).trim() : null,
  };
}

async function runScenario(scenario) {
  const result = { name: scenario.name, route: scenario.route, javaScriptEnabled: opts.javaScriptEnabled, ok: false, visited: [], console: [] };
  const userDataDir = mkdtempSync(join(opts.workDir, 'profile-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: opts.chromium,
      headless: true,
      args: ARGS,
      javaScriptEnabled: opts.javaScriptEnabled,
      viewport: { width: 900, height: 760 },
      locale: 'en-US',
      timeout: 60000,
    });
    context.setDefaultTimeout(TIMEOUT);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') result.console.push({ type: m.type(), text: m.text(), url: m.location()?.url });
    });
    page.on('pageerror', (e) => result.console.push({ type: 'pageerror', text: String(e) }));
    page.on('response', (r) => {
      if (r.request().isNavigationRequest()) result.visited.push({ url: r.url(), status: r.status(), method: r.request().method() });
    });

    // With `openidClient`, the application is openid-client: it makes the authorization URL
    // (discovery, PKCE, state, nonce) and redeems what reaches the callback in the browser.
    let rp = null;
    if (scenario.openidClient) {
      const { issuer, clientId } = scenario.openidClient;
      const config = await oidc.discovery(new URL(issuer), clientId, undefined, oidc.None(), {
        execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks],
      });
      rp = { config, verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
      scenario.authorizeUrl = oidc.buildAuthorizationUrl(config, {
        redirect_uri: scenario.callbackUrl,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(rp.verifier),
        code_challenge_method: 'S256',
        state: rp.state,
        nonce: rp.nonce,
      }).href;
      result.authorizeUrl = scenario.authorizeUrl;
    }
    const first = await page.goto(scenario.authorizeUrl, { timeout: TIMEOUT });
    result.signInStatus = first?.status();
    result.signInHeaders = first ? await first.allHeaders() : null;
    result.signInPage = await signInPageFacts(page, scenario);

    if (scenario.route === 'provider') {
      await page.getByRole('link', { name: scenario.providerLabel ?? 'Continue with Corp' }).click();
    } else if (scenario.route === 'email') {
      const email = page.getByLabel('Work email');
      const submit = page.getByRole('button', { name: 'Continue', exact: true });
      // Not an address: the browser's own form validation keeps us on the page (no script needed).
      const before = page.url();
      await email.fill('not an address');
      await submit.click();
      await page.waitForTimeout(300);
      result.invalidEmail = { stayed: page.url() === before, valid: await email.evaluate((e) => e.validity.valid) };
      // A domain no IdP claims: the page comes back with the reason and the address kept.
      if (scenario.unknownEmail) {
        await email.fill(scenario.unknownEmail);
        const [resp] = await Promise.all([page.waitForResponse((r) => r.request().isNavigationRequest()), submit.click()]);
        await page.waitForLoadState();
        result.unknownEmail = {
          status: resp.status(),
          url: page.url(),
          alert: (await page.getByRole('alert').allTextContents()).map((t) => t.trim()),
          value: await page.getByLabel('Work email').inputValue(),
        };
      }
      await page.getByLabel('Work email').fill(scenario.email);
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
    } else if (scenario.route === 'keyboard') {
      result.tabOrder = await tabTo(page, (f) => f.tag === 'a' && (f.text ?? '').startsWith('Continue with'));
      await page.keyboard.press('Enter');
    } else {
      throw new Error(`unknown route ${scenario.route}`);
    }
    await atIdP(page, scenario, result);
    if (rp) {
      const tokens = await oidc.authorizationCodeGrant(rp.config, new URL(page.url()), {
        pkceCodeVerifier: rp.verifier,
        expectedState: rp.state,
        expectedNonce: rp.nonce,
        idTokenExpected: true,
      });
      result.openidClient = { nonce: rp.nonce, claims: tokens.claims() };
    }
    // Further visits in the same browser (the hosted session cookie, sign-out): where each ends.
    result.then = [];
    for (const url of scenario.then ?? []) {
      const r = await page.goto(url, { timeout: TIMEOUT });
      result.then.push({
        url: page.url(),
        status: r?.status(),
        h1: (await page.locator('h1').first().textContent())?.trim(),
        code: (await page.locator('#code').count()) ? (await page.locator('#code').textContent()).trim() : null,
      });
    }
    result.ok = true;
  } catch (e) {
    result.error = String(e?.stack ?? e);
    try {
      const page = context?.pages()[0];
      if (page) {
        result.failedAt = page.url();
        result.failedBody = (await page.locator('body').innerText({ timeout: 2000 })).slice(0, 2000);
        result.failureScreenshot = join(opts.workDir, `${scenario.name}-failure.png`);
        await page.screenshot({ path: result.failureScreenshot, fullPage: true, timeout: 5000 });
      }
    } catch {
      // best effort
    }
  } finally {
    await context?.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
  return result;
}

const results = [];
for (const scenario of opts.scenarios) {
  results.push(await runScenario(scenario));
}
process.stdout.write(JSON.stringify({ results }) + '\n');
