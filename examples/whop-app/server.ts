// `npm run demo:app`: the example Whop app on http://localhost:3000 (PORT to change it).
import { MEMBER_EXPERIENCE, OTHER_EXPERIENCE, start } from './start.js';

async function main(): Promise<void> {
  const { url, mock, stop } = await start(process.env, Number(process.env.PORT ?? 3000));
  if (mock) {
    console.log(`Using the mock Whop at ${mock.url} (WHOP_APP_ID and WHOP_API_KEY are not set).`);
    console.log(`Open ${url}/dev/open/${MEMBER_EXPERIENCE} (a member: the page)`);
    console.log(`  or ${url}/dev/open/${OTHER_EXPERIENCE} (not a member: 403).`);
  } else {
    console.log(`Listening on ${url}: set it as the app's base URL on Whop's dashboard.`);
  }
  const shutdown = () => void stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error('Cannot start the app:', error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
