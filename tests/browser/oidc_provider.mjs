// A real OpenID Connect provider for the browser journeys (panva's oidc-provider), with its
// development login and consent pages. One confidential client: the platform, whose userinfo
// comes signed (RS256), PKCE accepted, and sign-out through the end-session endpoint.
//
//   node oidc_provider.mjs PORT APP_BASE_URL
//   OIDC_PORT=9090 OIDC_APP_BASE_URL=http://127.0.0.1:8080 node oidc_provider.mjs
//
// The platform's provider is named `oidc`: it comes back to APP_BASE_URL/auth/oidc/callback and,
// once signed out here, to APP_BASE_URL/. The issuer is http://127.0.0.1:PORT, exactly.
// The login form takes any password; the login names one of USERS.
import { pathToFileURL } from 'node:url';

export const CLIENT_ID = 'territoires';
export const CLIENT_SECRET = 'territoires-test-secret';

export const USERS = {
  claire: {
    sub: 'claire', email: 'claire@exemple.fr', email_verified: true,
    given_name: 'Claire', family_name: 'Kervella',
  },
  // Her address is the one of an account of the platform with a password.
  anne: {
    sub: 'anne', email: 'anne@exemple.fr', email_verified: true,
    given_name: 'Anne', family_name: 'Le Bihan',
  },
};

/** Builds the provider of `port`, for the platform at `appBase` (no trailing slash). The library
 * is loaded here only, so that the journeys can read the constants above without it. */
export async function makeProvider(port, appBase) {
  const { default: Provider } = await import('oidc-provider');
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      client_name: 'Territoires',
      redirect_uris: [`${appBase}/auth/oidc/callback`],
      post_logout_redirect_uris: [`${appBase}/`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      // The userinfo answers as a JWT signed with the provider's key.
      userinfo_signed_response_alg: 'RS256',
    }],
    async findAccount(_ctx, id) {
      // The login typed into the development form is the account id, and the subject.
      const user = USERS[id];
      if (!user) return undefined;
      return { accountId: user.sub, async claims() { return { ...user }; } };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name'],
    },
    // The default: with an access token, the ID token holds `sub` only, and the rest comes from
    // the (signed) userinfo, which the platform must then read and check.
    conformIdTokenClaims: true,
    features: {
      devInteractions: { enabled: true },
      userinfo: { enabled: true },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    // Required for public clients only; the platform sends an S256 challenge all the same.
    pkce: { required: () => false },
    cookies: { keys: ['browser-journeys-only'] },
  });
  return { provider, issuer };
}

/** Starts the provider; resolves once it listens, with a function that stops it. */
export async function startProvider(port, appBase) {
  const { provider, issuer } = await makeProvider(port, appBase);
  return new Promise((resolve, reject) => {
    const server = provider.listen(port, '127.0.0.1', () => resolve({
      issuer,
      stop: () => new Promise((r) => server.close(r)),
    }));
    server.on('error', reject);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.argv[2] || process.env.OIDC_PORT || 9090);
  const appBase = (process.argv[3] || process.env.OIDC_APP_BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
  const { issuer } = await startProvider(port, appBase);
  console.log(`oidc-provider listening on ${issuer} for ${appBase}`);
}
