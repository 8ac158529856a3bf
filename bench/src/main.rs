//! `cirrus-bench`: drives complete SP-initiated sign-ins (authorize → IdP → ACS → token) and
//! token refreshes against a real `cirrus serve`, with N concurrent clients, and reports
//! throughput, latency, the server's CPU per sign-in (from /proc) and peak RSS, beside this
//! machine's RSA-2048 signing rate. The IdP side (this process) signs with a cached key and its
//! CPU is reported separately.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::AsDer;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cirrus_saml::dsig_sign::{SignaturePlacement, sign_enveloped};
use cirrus_saml::messages::RedirectSigner;
use clap::Parser;
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// Load generator for Cirrus sign-ins.
#[derive(Debug, Parser)]
struct Args {
    /// The `cirrus` binary to start (a release build).
    #[arg(long, default_value = "target/release/cirrus")]
    cirrus: PathBuf,
    /// Run on PostgreSQL (a database the server may use) instead of the embedded store.
    #[arg(long)]
    database_url: Option<String>,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Seconds of each phase.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Distinct users (NameIDs) signing in.
    #[arg(long, default_value_t = 200)]
    users: usize,
    /// Have the provider ask for signed AuthnRequests (RequestSigningAlgorithm): one more RSA
    /// signature per sign-in on the server.
    #[arg(long)]
    sign_requests: bool,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Server {
    child: Child,
    url: String,
    _dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

fn start_server(args: &Args) -> Result<Server, BoxError> {
    let dir = std::env::temp_dir().join(format!("cirrus-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let mut cmd = Command::new(&args.cirrus);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir);
    if let Some(url) = &args.database_url {
        let key = dir.join("master.key");
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| "random")?;
        std::fs::write(&key, format!("{}\n", STANDARD.encode(bytes)))?;
        cmd.arg("--database-url")
            .arg(url)
            .arg("--master-key-file")
            .arg(&key);
    }
    cmd.env("CIRRUS_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let url = line
        .trim()
        .strip_prefix("cirrus listening on ")
        .ok_or_else(|| format!("unexpected first line: {line:?}"))?
        .to_string();
    Ok(Server {
        child,
        url,
        _dir: dir,
    })
}

/// CPU seconds (user + system) of a process, from /proc.
fn cpu_seconds(pid: &str) -> Result<f64, BoxError> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after = stat.rsplit_once(')').map(|(_, r)| r).ok_or("bad stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11).ok_or("stat")?.parse()?;
    let stime: f64 = fields.get(12).ok_or("stat")?.parse()?;
    let tick = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .unwrap_or(100.0);
    Ok((utime + stime) / tick)
}

fn peak_rss_mib(pid: &str) -> Result<f64, BoxError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .ok_or("no VmHWM")?
        .parse()?;
    Ok(kb / 1024.0)
}

async fn admin(
    http: &reqwest::Client,
    url: &str,
    action: &str,
    body: Value,
) -> Result<Value, BoxError> {
    let r = http
        .post(format!("{url}/"))
        .header(
            "X-Amz-Target",
            format!("AWSCognitoIdentityProviderService.{action}"),
        )
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await?;
    let status = r.status();
    let v: Value = r.json().await?;
    if !status.is_success() {
        return Err(format!("{action}: {v}").into());
    }
    Ok(v)
}

/// The IdP: its signing key (cached, parsed once) and identity.
struct Idp {
    entity_id: String,
    signer: RedirectSigner,
    cert_b64: String,
}

fn make_idp() -> Result<Idp, BoxError> {
    let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)?;
    let pkcs8 = key.as_der()?;
    let key_pair = rcgen::KeyPair::try_from(pkcs8.as_ref())?;
    let params = rcgen::CertificateParams::new(vec!["idp.bench.test".to_string()])?;
    let cert = params.self_signed(&key_pair)?;
    let der = cert.der().to_vec();
    let signer = RedirectSigner::from_pkcs8_der(pkcs8.as_ref())?.with_certificate(der.clone());
    Ok(Idp {
        entity_id: "https://idp.bench.test/saml".into(),
        signer,
        cert_b64: STANDARD.encode(der),
    })
}

fn metadata(idp: &Idp) -> String {
    format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.bench.test/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#,
        idp.entity_id, idp.cert_b64
    )
}

fn instant(t: time::OffsetDateTime) -> String {
    cirrus_saml::datetime::format_datetime(t)
}

/// The IdP's answer to an AuthnRequest: a Response with a signed Assertion.
fn answer(
    idp: &Idp,
    location: &str,
    pool_id: &str,
    name_id: &str,
) -> Result<(String, String), BoxError> {
    let url = url::Url::parse(location)?;
    let param = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    let encoded = param("SAMLRequest").ok_or("no SAMLRequest")?;
    let relay = param("RelayState").ok_or("no RelayState")?;
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(STANDARD.decode(encoded)?.as_slice())
        .read_to_string(&mut xml)?;
    let field = |name: &str| -> Result<String, BoxError> {
        let start = xml.find(&format!("{name}=\"")).ok_or("attribute missing")? + name.len() + 2;
        let end = xml[start..].find('"').ok_or("unterminated")? + start;
        Ok(xml[start..end].to_string())
    };
    let (request_id, acs) = (field("ID")?, field("AssertionConsumerServiceURL")?);
    let now = time::OffsetDateTime::now_utc();
    let later = now + time::Duration::minutes(5);
    let aid = format!("_a{}", uuid::Uuid::new_v4().simple());
    let response = format!(
        concat!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r{rid}" Version="2.0" IssueInstant="{now}" Destination="{acs}" InResponseTo="{req}">"#,
            r#"<saml:Issuer>{iss}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>"#,
            r#"<saml:Assertion ID="{aid}" Version="2.0" IssueInstant="{now}"><saml:Issuer>{iss}</saml:Issuer>"#,
            r#"<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{nid}</saml:NameID>"#,
            r#"<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="{req}" NotOnOrAfter="{later}" Recipient="{acs}"/></saml:SubjectConfirmation></saml:Subject>"#,
            r#"<saml:Conditions NotBefore="{now}" NotOnOrAfter="{later}"><saml:AudienceRestriction><saml:Audience>urn:amazon:cognito:sp:{pool}</saml:Audience></saml:AudienceRestriction></saml:Conditions>"#,
            r#"<saml:AuthnStatement AuthnInstant="{now}" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"#,
            r#"<saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue>{nid}@bench.test</saml:AttributeValue></saml:Attribute>"#,
            r#"<saml:Attribute Name="givenName"><saml:AttributeValue>Bench</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#
        ),
        rid = uuid::Uuid::new_v4().simple(),
        now = instant(now),
        later = instant(later),
        acs = acs,
        req = request_id,
        iss = idp.entity_id,
        aid = aid,
        nid = name_id,
        pool = pool_id,
    );
    let signed = sign_enveloped(
        &response,
        &aid,
        SignaturePlacement::AfterIssuer,
        &idp.signer,
    )?;
    Ok((STANDARD.encode(signed), relay))
}

struct Setup {
    url: String,
    pool_id: String,
    base: String,
    client_id: String,
}

async fn setup(url: &str, idp: &Idp, sign_requests: bool) -> Result<Setup, BoxError> {
    let http = reqwest::Client::new();
    let pool = admin(&http, url, "CreateUserPool", json!({"PoolName": "bench"})).await?;
    let pool_id = pool["UserPool"]["Id"]
        .as_str()
        .ok_or("no pool id")?
        .to_string();
    let prefix = format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    admin(
        &http,
        url,
        "CreateUserPoolDomain",
        json!({"UserPoolId": pool_id, "Domain": prefix}),
    )
    .await?;
    let mut details = json!({"MetadataFile": metadata(idp)});
    if sign_requests {
        details["RequestSigningAlgorithm"] = json!("rsa-sha256");
    }
    admin(
        &http,
        url,
        "CreateIdentityProvider",
        json!({"UserPoolId": pool_id, "ProviderName": "Bench", "ProviderType": "SAML",
               "ProviderDetails": details,
               "AttributeMapping": {"email": "email", "given_name": "givenName"}}),
    )
    .await?;
    let client = admin(
        &http,
        url,
        "CreateUserPoolClient",
        json!({"UserPoolId": pool_id, "ClientName": "bench", "SupportedIdentityProviders": ["Bench"],
               "CallbackURLs": ["http://localhost/cb"], "AllowedOAuthFlows": ["code"],
               "AllowedOAuthScopes": ["openid", "email"], "AllowedOAuthFlowsUserPoolClient": true}),
    )
    .await?;
    Ok(Setup {
        url: url.to_string(),
        base: format!("{url}/domain/{prefix}"),
        client_id: client["UserPoolClient"]["ClientId"]
            .as_str()
            .ok_or("no client id")?
            .to_string(),
        pool_id,
    })
}

/// One complete sign-in; returns the refresh token.
async fn sign_in(
    http: &reqwest::Client,
    s: &Setup,
    idp: &Idp,
    name_id: &str,
) -> Result<String, BoxError> {
    let r = http
        .get(format!("{}/oauth2/authorize", s.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", &s.client_id),
            ("redirect_uri", "http://localhost/cb"),
            ("identity_provider", "Bench"),
        ])
        .send()
        .await?;
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("authorize: no redirect")?
        .to_string();
    let (saml, relay) = answer(idp, &location, &s.pool_id, name_id)?;
    let r = http
        .post(format!("{}/saml2/idpresponse", s.base))
        .form(&[
            ("SAMLResponse", saml.as_str()),
            ("RelayState", relay.as_str()),
        ])
        .send()
        .await?;
    let back = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("ACS: no redirect")?;
    let code = url::Url::parse(back)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| format!("ACS refused: {back}"))?;
    let t: Value = http
        .post(format!("{}/oauth2/token", s.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", &s.client_id),
            ("code", &code),
            ("redirect_uri", "http://localhost/cb"),
        ])
        .send()
        .await?
        .json()
        .await?;
    Ok(t["refresh_token"]
        .as_str()
        .ok_or_else(|| format!("token: {t}"))?
        .to_string())
}

async fn refresh(http: &reqwest::Client, s: &Setup, token: &str) -> Result<(), BoxError> {
    let r = http
        .post(format!("{}/oauth2/token", s.base))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", &s.client_id),
            ("refresh_token", token),
        ])
        .send()
        .await?;
    if !r.status().is_success() {
        return Err(format!("refresh: {}", r.text().await?).into());
    }
    Ok(())
}

struct PhaseResult {
    count: usize,
    errors: usize,
    seconds: f64,
    latencies: Vec<Duration>,
    server_cpu: f64,
    bench_cpu: f64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

async fn phase<F, Fut>(
    clients: usize,
    seconds: u64,
    pid: &str,
    work: F,
) -> Result<PhaseResult, BoxError>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), BoxError>> + Send,
{
    let work = Arc::new(work);
    let (cpu0, self0) = (cpu_seconds(pid)?, cpu_seconds("self")?);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for worker in 0..clients {
        let work = work.clone();
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors, mut i) = (Vec::new(), 0usize, 0usize);
            while Instant::now() < deadline {
                let t = Instant::now();
                match work(worker, i).await {
                    Ok(()) => lat.push(t.elapsed()),
                    Err(e) => {
                        errors += 1;
                        if errors <= 3 {
                            eprintln!("worker {worker}: {e}");
                        }
                    }
                }
                i += 1;
            }
            (lat, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        latencies.extend(l);
        errors += e;
    }
    let seconds = start.elapsed().as_secs_f64();
    latencies.sort();
    Ok(PhaseResult {
        count: latencies.len(),
        errors,
        seconds,
        latencies,
        server_cpu: cpu_seconds(pid)? - cpu0,
        bench_cpu: cpu_seconds("self")? - self0,
    })
}

/// RSA-2048 PKCS#1 SHA-256 signatures per second on one core (aws-lc-rs).
fn rsa_sign_rate() -> Result<f64, BoxError> {
    let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)?;
    let pair = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(key.as_der()?.as_ref())?;
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let mut sig = vec![0u8; pair.public_modulus_len()];
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        pair.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &rng,
            b"benchmark",
            &mut sig,
        )
        .map_err(|_| "sign")?;
        n += 1;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let rsa = rsa_sign_rate()?;
    let server = start_server(&args)?;
    let pid = server.child.id().to_string();
    let idp = Arc::new(make_idp()?);
    let setup = Arc::new(setup(&server.url, &idp, args.sign_requests).await?);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .build()?;
    // Warm up: every user signs in once (first sign-ins create users), keep refresh tokens.
    let tokens = Arc::new(Mutex::new(Vec::new()));
    for u in 0..args.users.min(50) {
        let t = sign_in(&http, &setup, &idp, &format!("user-{u}")).await?;
        tokens.lock().await.push(t);
    }
    let users = args.users;
    let (h, s, i, tk) = (http.clone(), setup.clone(), idp.clone(), tokens.clone());
    let sign_ins = phase(args.clients, args.seconds, &pid, move |w, n| {
        let (h, s, i, tk) = (h.clone(), s.clone(), i.clone(), tk.clone());
        async move {
            let t = sign_in(&h, &s, &i, &format!("user-{}", (w * 7919 + n) % users)).await?;
            let mut guard = tk.lock().await;
            if guard.len() < 1000 {
                guard.push(t);
            }
            Ok(())
        }
    })
    .await?;
    let pool: Vec<String> = tokens.lock().await.clone();
    let pool = Arc::new(pool);
    let (h, s) = (http.clone(), setup.clone());
    let refreshes = phase(args.clients, args.seconds, &pid, move |w, n| {
        let (h, s, pool) = (h.clone(), s.clone(), pool.clone());
        async move {
            let token = pool
                .get((w * 31 + n) % pool.len().max(1))
                .cloned()
                .unwrap_or_default();
            refresh(&h, &s, &token).await
        }
    })
    .await?;
    let rss = peak_rss_mib(&pid)?;
    let engine = if args.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "| store | phase | clients | ops | errors | ops/s | p50 ms | p99 ms | server CPU ms/op | = RSA-2048 signs/op | bench CPU ms/op |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, r) in [("sign-in", &sign_ins), ("refresh", &refreshes)] {
        let per_op = r.server_cpu / r.count.max(1) as f64;
        println!(
            "| {engine} | {name} | {} | {} | {} | {:.0} | {:.1} | {:.1} | {:.2} | {:.1} | {:.2} |",
            args.clients,
            r.count,
            r.errors,
            r.count as f64 / r.seconds,
            percentile(&r.latencies, 0.50),
            percentile(&r.latencies, 0.99),
            per_op * 1000.0,
            per_op * rsa,
            r.bench_cpu / r.count.max(1) as f64 * 1000.0,
        );
    }
    println!();
    println!(
        "server peak RSS: {rss:.1} MiB; RSA-2048 sign rate on this machine (aws-lc-rs, 1 core): {rsa:.0}/s; setup: {} at {}",
        setup.pool_id, setup.url
    );
    Ok(())
}
