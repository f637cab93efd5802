// The demo's HTML: one layout, the home page and the profile page. Every interpolated value goes
// through escapeHTML; no page ever receives a token.
import { isExpired } from 'passport-whop';

/** What the demo keeps of the Whop user, in the session. */
export interface DemoUser {
  readonly id: string;
  readonly username: string | undefined;
  readonly name: string;
  readonly email: string | undefined;
  readonly picture: string | undefined;
  /** With `requireAccess`: each resource's access level at login. */
  readonly access?: Readonly<Record<string, string>>;
}

/** A one-time message shown on the next page. */
export interface Flash {
  readonly kind: 'notice' | 'error';
  readonly text: string;
}

/** What the profile page shows about the tokens: never the tokens themselves. */
export interface TokenSummary {
  /** Whole Unix seconds; undefined when Whop did not say how long the token lives. */
  readonly expiresAt: number | undefined;
  readonly scope: string | undefined;
  readonly canRefresh: boolean;
}

/** Everything every page needs. */
export interface PageContext {
  /** Set when the demo talks to the mock Whop. */
  readonly mockURL: string | undefined;
  readonly flash: Flash | undefined;
}

export function escapeHTML(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;background:#f4f4f5;color:#18181b;
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.banner{margin:0;padding:8px 16px;background:#fff7ed;border-bottom:1px solid #fed7aa;color:#9a3412;
font-size:13px;text-align:center}
main{width:min(460px,calc(100vw - 32px));margin:48px auto;background:#fff;border:1px solid #e4e4e7;
border-radius:14px;padding:28px;box-shadow:0 8px 30px rgb(0 0 0/.06)}
h1{margin:0 0 8px;font-size:22px;line-height:1.3}
p{margin:0 0 16px}.muted{color:#71717a}
.flash{padding:10px 12px;border-radius:9px;margin:0 0 18px;font-size:14px}
.notice{background:#f0fdf4;border:1px solid #bbf7d0;color:#166534}
.error{background:#fef2f2;border:1px solid #fecaca;color:#991b1b}
.person{display:flex;align-items:center;gap:14px;margin-bottom:18px}
.person img,.person .blank{width:64px;height:64px;border-radius:50%;background:#e4e4e7;flex:none}
.person h1{margin:0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 14px;margin:0 0 22px;font-size:14px}
dt{color:#71717a}dd{margin:0;word-break:break-all}
.actions{display:flex;gap:10px}.actions form{flex:1;margin:0}
.button{display:block;width:100%;padding:10px 14px;border-radius:9px;font:inherit;font-weight:600;
text-align:center;text-decoration:none;cursor:pointer;border:1px solid #d4d4d8;background:#fff;color:#18181b}
.button:disabled{cursor:not-allowed;opacity:.5}
.primary{background:#ff6243;border-color:#ff6243;color:#fff}
.button:focus-visible{outline:3px solid #18181b;outline-offset:2px}`;

function layout(context: PageContext, title: string, body: string): string {
  const banner = context.mockURL
    ? `<p class="banner" role="status">Using the mock Whop server at ${escapeHTML(context.mockURL)}</p>`
    : '';
  const flash = context.flash
    ? `<p class="flash ${context.flash.kind}" id="${context.flash.kind}" role="${context.flash.kind === 'error' ? 'alert' : 'status'}">${escapeHTML(context.flash.text)}</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHTML(title)} · passport-whop demo</title>
<style>${STYLE}</style>
</head>
<body>
${banner}
<main>
${flash}
${body}
</main>
</body>
</html>
`;
}

export function homePage(context: PageContext): string {
  return layout(
    context,
    'Home',
    `<h1>passport-whop demo</h1>
<p class="muted">An Express app that logs you in with Whop through <code>WhopStrategy</code>.</p>
<a class="button primary" href="/auth/whop">Log in with Whop</a>`,
  );
}

/** `14:05:09 UTC`: the server's time zone, which for a local demo is the reader's. */
export function clockTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleTimeString('en-GB', { timeZoneName: 'short' });
}

function expiry(expiresAt: number | undefined, now: number): string {
  if (expiresAt === undefined) return 'unknown (Whop did not say)';
  const seconds = expiresAt - now;
  const when =
    seconds <= 0
      ? `expired ${Math.round(-seconds / 60)} min ago`
      : seconds < 60
        ? 'expires in under a minute'
        : `expires in ${Math.round(seconds / 60)} min`;
  // isExpired allows 60 s of skew: the moment an app should refresh.
  const hint = isExpired(expiresAt) ? ', refresh it' : '';
  const iso = new Date(expiresAt * 1000).toISOString();
  return `<time id="expiry" datetime="${iso}">${escapeHTML(clockTime(expiresAt))}</time> <span class="muted" id="expires-in">(${when}${hint})</span>`;
}

function row(label: string, id: string, value: string | undefined): string {
  return value === undefined ? '' : `<dt>${label}</dt><dd id="${id}">${escapeHTML(value)}</dd>`;
}

export function profilePage(
  context: PageContext,
  user: DemoUser,
  tokens: TokenSummary,
  company: string | undefined,
): string {
  const picture = user.picture
    ? `<img src="${escapeHTML(user.picture)}" alt="" id="picture">`
    : '<span class="blank"></span>';
  const username = user.username === undefined ? undefined : `@${user.username}`;
  const refresh = tokens.canRefresh
    ? '<button class="button" type="submit">Refresh token</button>'
    : '<button class="button" type="submit" disabled title="Whop sent no refresh token">Refresh token</button>';
  return layout(
    context,
    user.name || user.id,
    `<div class="person">${picture}<div><h1 id="name">${escapeHTML(user.name || user.id)}</h1>
<span class="muted" id="username">${escapeHTML(username ?? '')}</span></div></div>
<dl>
${row('Email', 'email', user.email ?? '(none shared)')}
${row('Whop user ID', 'user-id', user.id)}
<dt>Access token</dt><dd>${expiry(tokens.expiresAt, Math.floor(Date.now() / 1000))}</dd>
${row('Company', 'company', company)}
${Object.entries(user.access ?? {})
  .map(([resource, level]) =>
    row(`Access to ${escapeHTML(resource)}`, `access-${escapeHTML(resource)}`, level),
  )
  .join('\n')}
${row('Granted scope', 'scope', tokens.scope === company ? undefined : tokens.scope)}
</dl>
<p class="muted">The tokens stay in the server's session; this page never receives them.</p>
<div class="actions">
<form method="post" action="/refresh">${refresh}</form>
<form method="post" action="/logout"><button class="button" type="submit">Log out</button></form>
</div>`,
  );
}
