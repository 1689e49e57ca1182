//! An OpenID Connect provider for the tests, on a port of its own: discovery, keys, an
//! authorization endpoint that signs the chosen person in at once, the token endpoint (client
//! secret and PKCE checked), the userinfo (plain JSON or a signed JWT), and a sign-out page. Its
//! tokens are signed with real RSA keys, and it can be told to get one thing wrong.

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use openidconnect::PrivateSigningKey;
use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::{JsonWebKeyId, UserInfoClaims};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const CLIENT_ID: &str = "territoires-test";
pub const CLIENT_SECRET: &str = "un-secret-de-test";

/// What the provider gets wrong in the next ID token, if anything.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Twist {
    None,
    /// Issued for another client.
    OtherAudience,
    /// Expired an hour ago.
    Expired,
    /// Carrying another nonce than the one asked.
    OtherNonce,
    /// Claiming another issuer.
    OtherIssuer,
    /// Signed with a key the provider never published.
    UnpublishedKey,
}

/// A person the provider signs in.
#[derive(Debug, Clone)]
pub struct Person {
    pub subject: String,
    pub email: String,
    pub email_verified: bool,
    pub given_name: String,
    pub family_name: String,
}

impl Person {
    pub fn new(subject: &str, email: &str, given: &str, family: &str) -> Person {
        Person {
            subject: subject.into(),
            email: email.into(),
            email_verified: true,
            given_name: given.into(),
            family_name: family.into(),
        }
    }
}

struct Grant {
    person: Person,
    nonce: String,
    challenge: String,
    redirect_uri: String,
}

struct Inner {
    issuer: String,
    keys: HashMap<&'static str, CoreRsaPrivateSigningKey>,
    /// The keys the provider publishes, and the one it signs with.
    published: Vec<&'static str>,
    signing: &'static str,
    person: Person,
    twist: Twist,
    signed_userinfo: bool,
    down: bool,
    grants: HashMap<String, Grant>,
    tokens: HashMap<String, Person>,
    discoveries: usize,
}

/// The provider, running; cheap to clone.
#[derive(Clone)]
pub struct Provider {
    pub issuer: String,
    inner: Arc<Mutex<Inner>>,
}

fn key(name: &'static str) -> CoreRsaPrivateSigningKey {
    let pem = match name {
        "first" => include_str!("first.pem"),
        _ => include_str!("second.pem"),
    };
    CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new(name.into()))).unwrap()
}

impl Provider {
    pub async fn start(person: Person) -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let inner = Arc::new(Mutex::new(Inner {
            issuer: issuer.clone(),
            keys: HashMap::from([("first", key("first")), ("second", key("second"))]),
            published: vec!["first"],
            signing: "first",
            person,
            twist: Twist::None,
            signed_userinfo: false,
            down: false,
            grants: HashMap::new(),
            tokens: HashMap::new(),
            discoveries: 0,
        }));
        let app = axum::Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Provider { issuer, inner }
    }

    /// The instance's settings for this provider, named `name`.
    pub fn config(&self, name: &str) -> kernel::config::OidcProvider {
        let mut p = kernel::config::OidcProvider::from_settings(
            Some(self.issuer.clone()),
            Some(CLIENT_ID.into()),
            Some(CLIENT_SECRET.into()),
        )
        .unwrap();
        p.name = name.into();
        p.title = "Test Connect".into();
        p
    }

    pub fn sign_in_as(&self, person: Person) {
        self.inner.lock().unwrap().person = person;
    }

    pub fn twist(&self, twist: Twist) {
        self.inner.lock().unwrap().twist = twist;
    }

    pub fn sign_userinfo(&self, signed: bool) {
        self.inner.lock().unwrap().signed_userinfo = signed;
    }

    pub fn go_down(&self, down: bool) {
        self.inner.lock().unwrap().down = down;
    }

    /// Publishes the second key beside the first and signs with it from now on.
    pub fn rotate_keys(&self) {
        let mut inner = self.inner.lock().unwrap();
        inner.published = vec!["first", "second"];
        inner.signing = "second";
    }

    /// How many times the discovery document was read.
    pub fn discoveries(&self) -> usize {
        self.inner.lock().unwrap().discoveries
    }
}

type Shared = State<Arc<Mutex<Inner>>>;

async fn discovery(State(inner): Shared) -> Response {
    let mut inner = inner.lock().unwrap();
    if inner.down {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    inner.discoveries += 1;
    let i = &inner.issuer;
    axum::Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "userinfo_endpoint": format!("{i}/userinfo"),
        "jwks_uri": format!("{i}/jwks"),
        "end_session_endpoint": format!("{i}/logout"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "userinfo_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "email", "profile"],
    }))
    .into_response()
}

async fn jwks(State(inner): Shared) -> Response {
    let inner = inner.lock().unwrap();
    let keys = inner
        .published
        .iter()
        .map(|k| inner.keys[k].as_verification_key())
        .collect();
    axum::Json(CoreJsonWebKeySet::new(keys)).into_response()
}

/// Signs the chosen person in at once and sends them back with a code.
async fn authorize(State(inner): Shared, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut inner = inner.lock().unwrap();
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["response_type"], "code");
    assert!(q["scope"].split(' ').any(|s| s == "openid"));
    assert_eq!(q["code_challenge_method"], "S256");
    let code = format!("code-{}", inner.grants.len() + 1);
    let grant = Grant {
        person: inner.person.clone(),
        nonce: q["nonce"].clone(),
        challenge: q["code_challenge"].clone(),
        redirect_uri: q["redirect_uri"].clone(),
    };
    let back = format!(
        "{}?code={code}&state={}",
        grant.redirect_uri,
        kernel::web::percent_encode(&q["state"])
    );
    inner.grants.insert(code, grant);
    Redirect::to(&back).into_response()
}

fn base64url(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Trades a code for the tokens: the client's secret and the PKCE verifier checked.
async fn token(
    State(inner): Shared,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    use sha2::Digest;
    let mut inner = inner.lock().unwrap();
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let expected = format!(
        "Basic {}",
        base64_std(format!("{CLIENT_ID}:{CLIENT_SECRET}").as_bytes())
    );
    if basic != expected {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let Some(grant) = inner.grants.remove(&f["code"]) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    let verifier = f.get("code_verifier").cloned().unwrap_or_default();
    if base64url(&sha2::Sha256::digest(verifier.as_bytes())) != grant.challenge
        || f["redirect_uri"] != grant.redirect_uri
    {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    }
    let now = kernel::ids::now_ms() / 1000;
    let p = &grant.person;
    let mut claims = json!({
        "iss": inner.issuer,
        "aud": CLIENT_ID,
        "exp": now + 300,
        "iat": now,
        "sub": p.subject,
        "nonce": grant.nonce,
        "email": p.email,
        "email_verified": p.email_verified,
    });
    match inner.twist {
        Twist::None | Twist::UnpublishedKey => {}
        Twist::OtherAudience => claims["aud"] = json!("another-client"),
        Twist::Expired => {
            claims["exp"] = json!(now - 3600);
            claims["iat"] = json!(now - 7200);
        }
        Twist::OtherNonce => claims["nonce"] = json!("another-nonce"),
        Twist::OtherIssuer => claims["iss"] = json!("http://127.0.0.1:1"),
    }
    let claims: CoreIdTokenClaims = serde_json::from_value(claims).unwrap();
    let unpublished;
    let key = if inner.twist == Twist::UnpublishedKey {
        unpublished = CoreRsaPrivateSigningKey::from_pem(
            include_str!("second.pem"),
            Some(JsonWebKeyId::new("never-published".into())),
        )
        .unwrap();
        &unpublished
    } else {
        &inner.keys[inner.signing]
    };
    let access = format!("access-{}", inner.tokens.len() + 1);
    let id_token = CoreIdToken::new(
        claims,
        key,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        Some(&openidconnect::AccessToken::new(access.clone())),
        None,
    )
    .unwrap();
    inner.tokens.insert(access.clone(), grant.person.clone());
    axum::Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token.to_string(),
    }))
    .into_response()
}

fn base64_std(bytes: &[u8]) -> String {
    let url = base64url(bytes).replace('-', "+").replace('_', "/");
    let pad = (4 - url.len() % 4) % 4;
    format!("{url}{}", "=".repeat(pad))
}

/// The person's claims, with ProConnect-like ones beside the standard: as JSON, or as a JWT
/// signed with the provider's key (FranceConnect v2 answers so).
async fn userinfo(State(inner): Shared, headers: HeaderMap) -> Response {
    let inner = inner.lock().unwrap();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let Some(p) = inner.tokens.get(bearer) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let mut claims = json!({
        "sub": p.subject,
        "email": p.email,
        "email_verified": p.email_verified,
        "given_name": p.given_name,
        "family_name": p.family_name,
        "siret": "21220113900017",
    });
    if !inner.signed_userinfo {
        return axum::Json(claims).into_response();
    }
    claims["iss"] = json!(inner.issuer);
    claims["aud"] = json!(CLIENT_ID);
    let claims = UserInfoClaims::<Extra, openidconnect::core::CoreGenderClaim>::from_json::<
        std::io::Error,
    >(claims.to_string().as_bytes(), None)
    .unwrap();
    let jwt = openidconnect::UserInfoJsonWebToken::<
        Extra,
        openidconnect::core::CoreGenderClaim,
        openidconnect::core::CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >::new(
        claims,
        &inner.keys[inner.signing],
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    )
    .unwrap();
    let text = serde_json::to_value(&jwt).unwrap();
    (
        [(header::CONTENT_TYPE, "application/jwt")],
        text.as_str().unwrap().to_string(),
    )
        .into_response()
}

/// The claims beyond the standard ones.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Extra(serde_json::Map<String, Value>);

impl openidconnect::AdditionalClaims for Extra {}
