// `npm run demo`: the demo app on http://localhost:3000, against the real Whop when
// WHOP_CLIENT_ID and WHOP_CLIENT_SECRET are set, else against the mock Whop on loopback.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MOCK_CLIENT, MOCK_USER, startMockWhop, type MockWhop } from 'passport-whop/testing';
import { createDemoApp } from './app.js';
import {
  ConfigError,
  grantMockAccess,
  mockEndpoints,
  mockUsers,
  readSettings,
  type DemoConfig,
} from './config.js';

const CALLBACK_PATH = '/auth/whop/callback';
// Loopback only: the demo is for this machine (a tunnel to it works too).
const HOST = '127.0.0.1';

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError(`Port ${port} is in use: stop what runs there, or set PORT`)
          : error,
      ),
    );
    server.listen(port, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  let mock: MockWhop | undefined;
  const server = createServer();
  const stop = async () => {
    server.close();
    server.closeAllConnections();
    await mock?.close();
  };

  try {
    const port = await listen(server, settings.port);
    const home = `http://localhost:${port}`;
    let config: DemoConfig;
    if (settings.whop === 'mock') {
      mock = await startMockWhop({ users: mockUsers(settings.requireAccess) });
      grantMockAccess(mock, settings.requireAccess);
      // The mock checks redirect URIs exactly, as Whop does: register this run's port, under
      // both loopback names. The callback is a path, so it follows whichever one the browser uses.
      const redirectURIs = [`http://localhost:${port}`, `http://127.0.0.1:${port}`].map(
        (origin) => origin + CALLBACK_PATH,
      );
      if (settings.callbackURL) redirectURIs.push(settings.callbackURL);
      mock.addClient({ ...MOCK_CLIENT, redirectURIs, name: 'passport-whop demo' });
      config = {
        ...MOCK_CLIENT,
        flow: settings.flow,
        callbackURL: settings.callbackURL ?? CALLBACK_PATH,
        company: settings.company,
        requireAccess: settings.requireAccess,
        // The mock's URLs are given explicitly, so they win over the sandbox's.
        environment: settings.environment,
        endpoints: mockEndpoints(mock, settings.flow),
        sessionSecret: settings.sessionSecret ?? randomBytes(32).toString('hex'),
        mockURL: mock.url,
      };
    } else {
      config = {
        clientID: settings.clientID,
        clientSecret: settings.clientSecret,
        flow: settings.flow,
        // Whop compares redirect URIs exactly: this one must be registered on the app.
        callbackURL: settings.callbackURL ?? home + CALLBACK_PATH,
        company: settings.company,
        requireAccess: settings.requireAccess,
        environment: settings.environment,
        sessionSecret: settings.sessionSecret ?? randomBytes(32).toString('hex'),
      };
    }
    // Attached at once after listening: no request can arrive before this line runs.
    server.on('request', createDemoApp(config));

    console.log(
      mock
        ? `Using the mock Whop server at ${mock.url} (WHOP_CLIENT_ID and WHOP_CLIENT_SECRET are not set).`
        : `Using the real Whop with client ${config.clientID}; callback URL ${config.callbackURL}.`,
    );
    console.log(
      `Flow: ${settings.flow}${settings.company ? `, company ${settings.company}` : ''}${settings.environment === 'sandbox' && !mock ? ", Whop's sandbox" : ''}.`,
    );
    if (settings.requireAccess) {
      const resources = settings.requireAccess.join(', ');
      console.log(
        mock
          ? `Members only (${resources}): on the mock, "${MOCK_USER.name}" has access and "Not A Member" has none.`
          : `Members only: users need access to one of ${resources}.`,
      );
    }
    if (!settings.sessionSecret) {
      console.log('Session secret: random for this run (set SESSION_SECRET to keep sessions).');
    }
    console.log(`\nOpen ${home} in your browser. Ctrl-C stops the demo.`);
  } catch (error) {
    await stop();
    throw error;
  }

  let stopping = false;
  const shutdown = () => {
    if (stopping) process.exit(1); // a second Ctrl-C: stop waiting
    stopping = true;
    console.log('\nStopping the demo.');
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(
    error instanceof ConfigError || error instanceof TypeError
      ? `Cannot start the demo: ${message}`
      : error,
  );
  process.exitCode = 1;
});
