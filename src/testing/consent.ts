// `MockWhop#approve` and `#deny`: what a user's click on the consent page does, for tests that
// drive a login with fetch rather than a browser.

/** Options of `MockWhop#approve`. */
export interface ConsentOptions {
  /** The user who approves, when the mock has several (default: the first). */
  userID?: string;
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

/** The refusal message of the mock's error page. */
function pageMessage(html: string): string {
  const message = /<p class="error" id="message">([^<]*)<\/p>/.exec(html)?.[1] ?? html;
  return message.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]!);
}

/**
 * Load the consent page for `authorizeURL`, as the browser would, then post the decision as its
 * form does. Resolves the `Location` the mock redirects to; rejects with the page's message
 * when the mock refuses the request.
 */
export async function consent(
  origin: string,
  authorizeURL: string | URL,
  decision: 'approve' | 'deny',
  options: ConsentOptions = {},
): Promise<string> {
  const target = new URL(authorizeURL);
  if (target.origin !== origin || !['/oauth', '/oauth/authorize'].includes(target.pathname)) {
    throw new TypeError(`MockWhop#${decision} requires an authorize URL of this mock (${origin})`);
  }
  const page = await fetch(target, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) {
    throw new Error(
      `The mock Whop refused the authorize request (${page.status}): ${pageMessage(html)}`,
    );
  }
  const form = new URLSearchParams(target.search);
  form.set('decision', decision);
  if (options.userID !== undefined) form.set('user_id', options.userID);
  const answer = await fetch(new URL(target.pathname, origin), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const location = answer.headers.get('location');
  if (answer.status !== 302 || location === null) {
    const message = pageMessage(await answer.text());
    throw new Error(`The mock Whop refused the consent (${answer.status}): ${message}`);
  }
  return location;
}
