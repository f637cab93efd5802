import { createServer } from 'node:net';
import { expect } from 'chai';
import { InternalOAuthError } from '../../src/index.js';
import { send } from '../../src/whop/http.js';

// Bugs the fuzz suite found beyond issue 11's list, each as a plain test.

/** A loopback port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('send, as the fuzz suite found it', () => {
  describe('with a lone surrogate inside a form value, when the connection fails', () => {
    // querystring.escape reads '\uD800x' as one (wrong) character and sends it; the transport
    // error's redaction then percent-encoded the value, which threw a URIError in the socket's
    // 'error' listener: an uncaught exception, the process's end.
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    let error: unknown;

    before(async () => {
      process.on('uncaughtException', record);
      const url = `http://127.0.0.1:${await closedPort()}/oauth/token`;
      error = await send(
        { step: 'refresh', url, form: { refresh_token: 'refresh\uD800x' } },
        { timeout: 1000 },
      ).catch((e: unknown) => e);
      await new Promise((resolve) => setImmediate(resolve));
    });
    after(() => process.off('uncaughtException', record));

    it('rejects with an InternalOAuthError', () =>
      expect(error).to.be.instanceOf(InternalOAuthError));
    it('throws nothing uncaught', () => expect(uncaught).to.deep.equal([]));
  });
});
