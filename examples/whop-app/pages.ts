// The HTML of the example app's pages: the experience, and the refusals.
import type { AppUser } from './app.js';

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body>${body}</body></html>`;
}

export function experiencePage(experienceId: string, user: AppUser): string {
  const level = user.access?.[experienceId] ?? 'unknown';
  return page(
    'Experience',
    `<h1>Welcome to ${escape(experienceId)}</h1><p>Signed in as <code>${escape(user.id)}</code> (${escape(level)}).</p>`,
  );
}

/** 401: no valid user token (opened outside Whop); 403: not a member of this experience. */
export function refusedPage(status: number, code: string | undefined): string {
  return status === 403
    ? page('Members only', `<h1>Members only</h1><p>Join this experience on Whop to open it.</p>`)
    : page(
        'Open in Whop',
        `<h1>Open this app inside Whop</h1><p>The request carries no valid Whop user token (${escape(code ?? 'unknown')}).</p>`,
      );
}
