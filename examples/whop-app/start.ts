// The example Whop app, listening: against the real Whop when WHOP_APP_ID and WHOP_API_KEY are
// set, else against the mock Whop on loopback, where the mock user is a member of one experience
// and not of another, and /dev/open/... stands in for Whop's dev proxy.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MOCK_USER, startMockWhop, type MockWhop } from 'passport-whop/testing';
import { createWhopApp, type WhopAppConfig } from './app.js';

/** On the mock: the experience the mock user is a member of, and one they are not. */
export const MEMBER_EXPERIENCE = 'exp_demo';
export const OTHER_EXPERIENCE = 'exp_locked';

/** Start the app on `port` (0: a free one); resolves its URL and how to stop it. */
export async function start(env: NodeJS.ProcessEnv, port: number) {
  let mock: MockWhop | undefined;
  let config: WhopAppConfig;
  const { WHOP_APP_ID: appId, WHOP_API_KEY: apiKey } = env;
  if (appId && apiKey) {
    config = { strategy: { appId, apiKey } };
  } else {
    mock = await startMockWhop();
    mock.setAccess(MOCK_USER.id, MEMBER_EXPERIENCE, 'customer');
    const whop = mock;
    config = { strategy: whop.appStrategyOptions(), devUserToken: () => whop.userToken() };
  }
  const server = createServer(createWhopApp(config));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const stop = async () => {
    server.close();
    server.closeAllConnections();
    await mock?.close();
  };
  return { url, mock, stop };
}
