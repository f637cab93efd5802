// Every URL path of the benchmark, in one place: the fake server's and the apps'.

/** Whop's authorize page: only ever read from the redirect's `Location`, never requested. */
export const AUTHORIZE_PATH = '/oauth';
/** The legacy flow's token endpoint, for the legacy strategies and the refreshes. */
export const TOKEN_PATH = '/api/v3/oauth/token';
export const WHOP_PROFILE_PATH = '/api/v5/me';
/** Whop's REST API base (the strategy's `apiURL`), under which the access check lives. */
export const API_PATH = '/api/v1';
/** `GET /api/v1/users/{user}/access/{resource}`: Whop's access check. */
export const ACCESS_PATH = /^\/api\/v1\/users\/[^/]+\/access\/[^/]+$/;
/** GitHub's `GET /user`, for passport-github2. */
export const GITHUB_PROFILE_PATH = '/user';

// The OAuth 2.1 / OpenID Connect flow (docs/flows.md), at the fake server's origin as issuer.
/** Its authorize endpoint: read from the redirect's `Location` only, like the legacy one. */
export const OIDC_AUTHORIZE_PATH = '/oauth/authorize';
export const OIDC_TOKEN_PATH = '/oauth/token';
export const USERINFO_PATH = '/oauth/userinfo';
export const JWKS_PATH = '/.well-known/jwks.json';
/** The discovery document, which openid-client's `discovery()` reads. */
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** The app route that redirects to the authorize page. */
export const LOGIN_PATH = '/auth/login';
/** The app route the provider sends the user back to. */
export const CALLBACK_PATH = '/auth/callback';
