// Where Whop is: each flow's endpoints, the sandbox's, and the REST API, as module constants.

/** Whop's endpoints for each of its two OAuth flows (docs/flows.md). */
export const ENDPOINTS = {
  legacy: {
    authorizationURL: 'https://whop.com/oauth',
    tokenURL: 'https://data.whop.com/api/v3/oauth/token',
    userProfileURL: 'https://api.whop.com/api/v5/me',
  },
  'oauth2.1': {
    authorizationURL: 'https://api.whop.com/oauth/authorize',
    tokenURL: 'https://api.whop.com/oauth/token',
    userProfileURL: 'https://api.whop.com/oauth/userinfo',
    jwksURL: 'https://api.whop.com/.well-known/jwks.json',
    issuer: 'https://api.whop.com',
    revocationURL: 'https://api.whop.com/oauth/revoke',
  },
} as const;
/**
 * Whop's sandbox (no real money): the OAuth 2.1 endpoints and the API at sandbox-api.whop.com.
 * Whop documents the authorize, token, userinfo and revoke URLs and the API base; the issuer and
 * the JWKS URL are inferred from production's (Whop does not publish the sandbox's).
 */
export const SANDBOX = {
  authorizationURL: 'https://sandbox-api.whop.com/oauth/authorize',
  tokenURL: 'https://sandbox-api.whop.com/oauth/token',
  userProfileURL: 'https://sandbox-api.whop.com/oauth/userinfo',
  jwksURL: 'https://sandbox-api.whop.com/.well-known/jwks.json',
  issuer: 'https://sandbox-api.whop.com',
  revocationURL: 'https://sandbox-api.whop.com/oauth/revoke',
} as const;
/** Whop's REST API v1 (the access check), per environment. */
export const API_URLS = {
  production: 'https://api.whop.com/api/v1',
  sandbox: 'https://sandbox-api.whop.com/api/v1',
} as const;
