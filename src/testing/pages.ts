import type { MockWhopUser } from './model.js';

/** What the consent page shows and what its form carries back. */
export interface ConsentView {
  readonly appName: string;
  readonly users: readonly MockWhopUser[];
  /** The company the app asks to act for. */
  readonly companyID?: string;
  /** The requested scopes (OAuth 2.1's, or the legacy flow's permission scopes). */
  readonly scopes?: readonly string[];
  readonly redirectURI: string;
  /** Where the form posts: the authorize route itself. */
  readonly action: string;
  /** The authorize request, carried through the form as hidden fields. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
}

const SCOPE_TEXT: Readonly<Record<string, string>> = {
  openid: 'Know who you are on Whop',
  profile: 'See your name, username and profile picture',
  email: 'See your email address',
  read_user: 'See your profile',
};

export function escapeHTML(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f4f4f5;color:#18181b;
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{width:min(420px,calc(100vw - 32px));background:#fff;border:1px solid #e4e4e7;border-radius:14px;
padding:28px;box-shadow:0 8px 30px rgb(0 0 0/.06)}
.mock{margin:0 0 18px;font-size:12px;font-weight:600;letter-spacing:.04em;text-transform:uppercase;
color:#ff6243}
h1{margin:0 0 18px;font-size:20px;line-height:1.3}
.user{display:flex;align-items:center;gap:12px;padding:12px;border:1px solid #e4e4e7;
border-radius:10px;margin-bottom:8px}
.user img,.user .blank{width:40px;height:40px;border-radius:50%;background:#e4e4e7;flex:none}
.user small{display:block;color:#71717a}
fieldset{border:0;margin:0 0 16px;padding:0}legend{font-weight:600;margin-bottom:8px}
ul{margin:0 0 16px;padding-left:20px}dl{margin:0 0 20px;font-size:13px;color:#52525b}
dt{font-weight:600;color:#18181b}dd{margin:0 0 6px;word-break:break-all}
.actions{display:flex;gap:10px}
button{flex:1;padding:10px 14px;border-radius:9px;font:inherit;font-weight:600;cursor:pointer;
border:1px solid #d4d4d8;background:#fff;color:#18181b}
button.approve{background:#ff6243;border-color:#ff6243;color:#fff}
button:focus-visible{outline:3px solid #18181b;outline-offset:2px}
.error{color:#b91c1c}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHTML(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="mock">Mock Whop · for development and tests</p>
${body}
</main>
</body>
</html>
`;
}

function userCard(user: MockWhopUser): string {
  const picture = user.profile_pic_url
    ? `<img src="${escapeHTML(user.profile_pic_url)}" alt="">`
    : '<span class="blank"></span>';
  const email = user.email ? ` · ${escapeHTML(user.email)}` : '';
  return `${picture}<span>${escapeHTML(user.name ?? user.username)}<small>@${escapeHTML(user.username)}${email}</small></span>`;
}

// One user is shown; several become a choice, labelled so the page reads well to screen readers.
function whoSignsIn(users: readonly MockWhopUser[]): string {
  if (users.length === 1) {
    const user = users[0]!;
    return `<input type="hidden" name="user_id" value="${escapeHTML(user.id)}">
<fieldset><legend>Signing in as</legend><div class="user">${userCard(user)}</div></fieldset>`;
  }
  const choices = users.map(
    (user, i) =>
      `<label class="user"><input type="radio" name="user_id" value="${escapeHTML(user.id)}"${i === 0 ? ' checked' : ''}>${userCard(user)}</label>`,
  );
  return `<fieldset><legend>Sign in as</legend>${choices.join('\n')}</fieldset>`;
}

/** "<App> wants to sign you in with Whop", with Approve and Deny buttons. */
export function consentPage(view: ConsentView): string {
  const app = escapeHTML(view.appName);
  const hidden = view.fields.map(
    ([name, value]) =>
      `<input type="hidden" name="${escapeHTML(name)}" value="${escapeHTML(value)}">`,
  );
  const scopes = view.scopes?.length
    ? `<p>${app} will be able to:</p><ul>${view.scopes
        .map((s) => `<li>${escapeHTML(SCOPE_TEXT[s] ?? s)}</li>`)
        .join('')}</ul>`
    : '';
  const company = view.companyID
    ? `<dt>On behalf of the company</dt><dd>${escapeHTML(view.companyID)}</dd>`
    : '';
  return layout(
    `Sign in to ${view.appName} with Whop`,
    `<h1>${app} wants to sign you in with Whop</h1>
<form method="post" action="${escapeHTML(view.action)}">
${hidden.join('\n')}
${whoSignsIn(view.users)}
${scopes}
<dl>${company}<dt>You will be sent back to</dt><dd>${escapeHTML(view.redirectURI)}</dd></dl>
<div class="actions">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="approve" class="approve">Approve</button>
</div>
</form>`,
  );
}

/** Why an authorize request was refused; the mock never redirects such a request. */
export function errorPage(message: string): string {
  return layout(
    'Whop could not start this sign-in',
    `<h1>Whop could not start this sign-in</h1>
<p class="error" id="message">${escapeHTML(message)}</p>`,
  );
}
