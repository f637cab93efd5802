import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenHold } from './hold.js';
import type { MockWhopRequest } from './mock-whop.js';
import type { MockContext } from './model.js';
import { route } from './routes.js';
import type { Exchange } from './wire.js';

/** A new HTTP server listening on `host:port` (0: a free port), and its base URL. */
export async function listen(port: number, host: string): Promise<{ server: Server; url: string }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${hostname}:${address.port}` };
}

/** The mock's endpoints under `url`, as Whop lays out its own for each flow. */
export function mockURLs(url: string) {
  return {
    apiURL: `${url}/api/v1`,
    authorizationURL: `${url}/oauth`,
    tokenURL: `${url}/api/v3/oauth/token`,
    userProfileURL: `${url}/api/v5/me`,
    oauth21: {
      authorizationURL: `${url}/oauth/authorize`,
      tokenURL: `${url}/oauth/token`,
      userInfoURL: `${url}/oauth/userinfo`,
      revocationURL: `${url}/oauth/revoke`,
      jwksURL: `${url}/.well-known/jwks.json`,
      issuer: url,
    },
  };
}

/**
 * Answers the server's requests with the mock's routes, recording each answer in `requests`;
 * requests `hold` holds wait there.
 */
export function serve(
  server: Server,
  context: MockContext,
  hold: TokenHold,
  requests: MockWhopRequest[],
): void {
  server.on('request', (req, res) => {
    const [path = '/', query = ''] = (req.url ?? '/').split(/\?(.*)/s);
    if (hold.takes(path)) return;
    const exchange: Exchange = {
      req,
      res,
      path,
      query: new URLSearchParams(query),
      send(status, headers, body) {
        if (res.headersSent || res.destroyed) return;
        const { grantType } = exchange;
        const at = context.now();
        requests.push({
          method: req.method ?? '',
          path,
          status,
          at,
          ...(grantType && { grantType }),
        });
        // After a 413 the rest of the body is not worth reading: end the connection instead.
        const closeAfter = status === 413 ? { connection: 'close' } : {};
        res.writeHead(status, {
          'content-length': Buffer.byteLength(body),
          ...headers,
          ...closeAfter,
        });
        res.end(body);
      },
    };
    // route() answers every error itself; this only guards against a bug there.
    route(exchange, context).catch(() => res.destroy());
  });
}
