//! The OpenID Connect providers of the instance: their discovery documents and keys (read again
//! when a token is signed with a key they do not list yet, as providers rotate their keys), the
//! sign-in request (authorization code with PKCE, `state` and `nonce`) and the checks of the
//! answer: the ID token's signature, issuer, audience, expiry and nonce, the access token's hash,
//! and the userinfo, signed or not.

use kernel::config::OidcProvider;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreGenderClaim};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    HttpRequest, HttpResponse, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, Scope, TokenResponse, UserInfoClaims,
};
use std::time::{Duration, Instant};

/// How long a provider's discovery document (and its keys) is kept before it is read again.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);

/// After reading a document again for an unknown key, it is not read again for another one
/// before this (a token signed with a key the provider never published does not make every
/// sign-in reread it).
const REDISCOVERY_MIN: Duration = Duration::from_secs(10);

/// The instance's providers, with what was learnt of each.
pub struct Providers {
    list: Vec<Provider>,
    http: reqwest::Client,
}

struct Provider {
    config: OidcProvider,
    discovered: tokio::sync::Mutex<Discovered>,
}

/// What was learnt of a provider: its document and when it was read, and when it was last
/// read again for an unknown key.
#[derive(Default)]
struct Discovered {
    document: Option<(Instant, ProviderMetadataWithLogout)>,
    reread: Option<Instant>,
}

/// Why a sign-in through a provider did not go through.
#[derive(Debug)]
pub enum Refusal {
    /// The provider could not be reached, or answered what is not OpenID Connect: the person
    /// may try again later, or sign in another way.
    Unreachable(String),
    /// The answer is refused (a stale or forged `state`, a token that fails a check): the code
    /// names why for the audit log and the page, the detail is for the log.
    Refused(&'static str, String),
}

impl Refusal {
    fn refused(code: &'static str, detail: impl std::fmt::Display) -> Self {
        Refusal::Refused(code, detail.to_string())
    }
}

/// The start of a sign-in: where to send the person, and what the callback will check.
pub struct Started {
    /// The provider's authorization URL.
    pub url: String,
    /// The `state` sent along (kept in the person's browser and, hashed, on the server).
    pub state: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier of the challenge sent.
    pub pkce_verifier: String,
}

/// Who the provider says the person is, every check passed.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The provider's short name.
    pub provider: String,
    /// The person's identifier at the provider (`sub`).
    pub subject: String,
    /// Their e-mail address, when the provider gives one.
    pub email: Option<String>,
    /// Whether the provider says the address is verified.
    pub email_verified: bool,
    /// Their name, from the configured claims (empty when none is given).
    pub name: String,
    /// Every claim of the ID token and the userinfo, the userinfo's winning.
    pub claims: serde_json::Map<String, serde_json::Value>,
    /// Where to send the person to sign out at the provider too, when it says.
    pub logout_url: Option<String>,
}

/// The claims beyond the standard ones (FranceConnect's `birthplace`, ProConnect's `siret`…).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
struct Extra(serde_json::Map<String, serde_json::Value>);

impl AdditionalClaims for Extra {}

/// An HTTP failure, as the protocol's crate wants its errors.
#[derive(Debug)]
struct HttpError(String);

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HttpError {}

/// Sends one request of the protocol through the platform's HTTP client.
async fn send(client: reqwest::Client, request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let answer = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| HttpError(e.to_string()))?;
    let mut response = HttpResponse::new(Vec::new());
    *response.status_mut() = answer.status();
    *response.headers_mut() = answer.headers().clone();
    *response.body_mut() = answer
        .bytes()
        .await
        .map_err(|e| HttpError(e.to_string()))?
        .to_vec();
    Ok(response)
}

impl Providers {
    /// The providers of a configuration.
    pub fn new(config: &[OidcProvider]) -> Self {
        let http = reqwest::Client::builder()
            // Following redirects would let a provider's answer lead the platform elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Providers {
            list: config
                .iter()
                .map(|c| Provider {
                    config: c.clone(),
                    discovered: Default::default(),
                })
                .collect(),
            http,
        }
    }

    /// The provider named `name`.
    pub fn get(&self, name: &str) -> Option<&OidcProvider> {
        self.find(name).map(|p| &p.config)
    }

    fn find(&self, name: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.config.name == name)
    }

    fn http(
        &self,
    ) -> impl Fn(
        HttpRequest,
    )
        -> std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send>>
    + '_ {
        move |request| Box::pin(send(self.http.clone(), request))
    }

    /// The provider's discovery document: the one kept, unless it is older than the hour or
    /// `again` asks for a fresh one because a token names a key it does not list (not sooner
    /// than [`REDISCOVERY_MIN`] after the last such reading).
    async fn metadata(
        &self,
        provider: &Provider,
        again: bool,
    ) -> Result<ProviderMetadataWithLogout, Refusal> {
        let mut kept = provider.discovered.lock().await;
        let reread_lately = kept.reread.is_some_and(|at| at.elapsed() < REDISCOVERY_MIN);
        if let Some((at, metadata)) = kept.document.as_ref()
            && at.elapsed() < DISCOVERY_TTL
            && (!again || reread_lately)
        {
            return Ok(metadata.clone());
        }
        if again {
            kept.reread = Some(Instant::now());
        }
        let issuer = IssuerUrl::new(provider.config.issuer.clone())
            .map_err(|e| Refusal::Unreachable(format!("issuer: {e}")))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http())
            .await
            .map_err(|e| Refusal::Unreachable(format!("discovery: {e}")))?;
        kept.document = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    /// Starts a sign-in with the provider `name`, coming back to `redirect`.
    pub async fn start(&self, name: &str, redirect: &str) -> Result<Started, Refusal> {
        let provider = self
            .find(name)
            .ok_or_else(|| Refusal::refused("auth.unknown_provider", name))?;
        let metadata = self.metadata(provider, false).await?;
        let client = client(&provider.config, metadata, redirect)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in &provider.config.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Finishes a sign-in with the provider `name`: trades the `code` for the tokens, checks
    /// them against the `nonce` and `pkce_verifier` kept at its start, and reads the userinfo.
    /// `home` is where the provider sends the person back after signing out there.
    pub async fn finish(
        &self,
        name: &str,
        (code, redirect, home): (&str, &str, &str),
        (nonce, pkce_verifier): (&str, &str),
    ) -> Result<Identity, Refusal> {
        let provider = self
            .find(name)
            .ok_or_else(|| Refusal::refused("auth.unknown_provider", name))?;
        let mut metadata = self.metadata(provider, false).await?;
        let mut client = client(&provider.config, metadata.clone(), redirect)?;
        let http = self.http();
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| Refusal::Unreachable(format!("token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::Request(e) => {
                    Refusal::Unreachable(format!("token endpoint: {e}"))
                }
                e => Refusal::refused("auth.token", e),
            })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| Refusal::refused("auth.token", "no ID token"))?;
        let nonce = Nonce::new(nonce.to_string());
        // A token signed with a key the document does not list yet: the provider rotated its
        // keys; read them again, once.
        let first = id_token
            .claims(&client.id_token_verifier(), &nonce)
            .cloned();
        let claims = match first {
            Ok(claims) => claims,
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                metadata = self.metadata(provider, true).await?;
                client = self::client(&provider.config, metadata.clone(), redirect)?;
                id_token
                    .claims(&client.id_token_verifier(), &nonce)
                    .map_err(|e| Refusal::refused("auth.id_token", e))?
                    .clone()
            }
            Err(e) => return Err(Refusal::refused("auth.id_token", e)),
        };
        if let Some(expected) = claims.access_token_hash() {
            let verifier = client.id_token_verifier();
            let alg = id_token
                .signing_alg()
                .map_err(|e| Refusal::refused("auth.id_token", e))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| Refusal::refused("auth.id_token", e))?;
            let actual = AccessTokenHash::from_token(tokens.access_token(), alg, key)
                .map_err(|e| Refusal::refused("auth.id_token", e))?;
            if actual != *expected {
                return Err(Refusal::refused("auth.id_token", "access token hash"));
            }
        }
        let mut all = as_map(&claims);
        if client.user_info_url().is_some() {
            let request = client
                .user_info(
                    tokens.access_token().clone(),
                    Some(claims.subject().clone()),
                )
                .map_err(|e| Refusal::refused("auth.userinfo", e))?;
            let info: UserInfoClaims<Extra, CoreGenderClaim> =
                request.request_async(&http).await.map_err(|e| match e {
                    openidconnect::UserInfoError::Request(e) => {
                        Refusal::Unreachable(format!("userinfo: {e}"))
                    }
                    e => Refusal::refused("auth.userinfo", e),
                })?;
            all.extend(as_map(&info));
        }
        let logout_url = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()
            .map(|endpoint| {
                let mut logout = LogoutRequest::from(endpoint).set_id_token_hint(id_token);
                if let Ok(home) = PostLogoutRedirectUrl::new(home.to_string()) {
                    logout = logout.set_post_logout_redirect_uri(home);
                }
                logout.http_get_url().to_string()
            });
        let text = |claim: &str| all.get(claim).and_then(|v| v.as_str()).map(str::trim);
        let name = provider
            .config
            .name_claims
            .iter()
            .filter_map(|c| text(c))
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let email = text(&provider.config.email_claim)
            .filter(|e| !e.is_empty())
            .map(str::to_lowercase);
        let email_verified = matches!(
            all.get("email_verified"),
            Some(serde_json::Value::Bool(true))
        );
        Ok(Identity {
            provider: provider.config.name.clone(),
            subject: claims.subject().as_str().to_string(),
            email,
            email_verified,
            name,
            claims: all,
            logout_url,
        })
    }
}

/// The claims of a token or a userinfo answer, as one JSON object.
fn as_map(claims: &impl serde::Serialize) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(claims) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

/// The protocol's client of a provider, from its discovery document.
fn client(
    config: &OidcProvider,
    metadata: ProviderMetadataWithLogout,
    redirect: &str,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    Refusal,
> {
    let redirect = RedirectUrl::new(redirect.to_string())
        .map_err(|e| Refusal::Unreachable(format!("redirect URL: {e}")))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(config.client_id.clone()),
        Some(ClientSecret::new(config.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}
