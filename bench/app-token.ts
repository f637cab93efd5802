// Verified app-token requests per second: WhopAppStrategy on requests carrying a Whop user token
// (the JWKS cached, as after the first request), next to jose's jwtVerify alone with the same
// key set and rules as the floor. Both run in this process, one after the other in short rounds,
// so the shared machine's noise falls on both alike.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JWTVerifyOptions,
} from 'jose';
import { WhopAppStrategy } from 'passport-whop';
import type { Measurement } from './measurement.js';
import { formatSpread, roundSpread, spreadOf } from './stats.js';

const APP_ID = 'app_bench';
const ISSUER = 'urn:whopcom:exp-proxy';
/** Verifications in flight at once, as requests of a busy app would be. */
const IN_FLIGHT = 16;
/** The slices of a round, alternating between the two verifiers. */
const SLICES = 10;
const OPTIONS: JWTVerifyOptions = {
  algorithms: ['ES256'],
  issuer: ISSUER,
  audience: APP_ID,
  requiredClaims: ['exp', 'sub'],
};

type Verify = () => Promise<unknown>;

/** How many `verify` calls complete in `ms`, `IN_FLIGHT` at a time. */
async function ratePerSecond(verify: Verify, ms: number): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < end) {
      await verify();
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return (done * 1000) / (performance.now() - start);
}

/** WhopAppStrategy's authenticate on a plain request, as Passport runs it; resolves on success. */
function strategyVerify(strategy: WhopAppStrategy, token: string): Verify {
  const req = { headers: { 'x-whop-user-token': token } };
  return () =>
    new Promise((resolve, reject) => {
      const run = Object.create(strategy) as WhopAppStrategy & Record<string, unknown>;
      run.success = resolve;
      run.fail = (info: unknown) => reject(new Error(`refused: ${JSON.stringify(info)}`));
      run.error = reject;
      run.authenticate(req as never, {});
    });
}

export const appTokenMeasurement: Measurement = {
  name: 'app-token',
  title:
    'Verified Whop user tokens per second (WhopAppStrategy), jose jwtVerify alone as the floor',
  async run({ settings, log }) {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const jwksURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ iss: ISSUER, aud: APP_ID, sub: 'user_bench' })
        .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'JWT' })
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(privateKey);
      const strategy = new WhopAppStrategy({ appId: APP_ID, jwksURL }, (user, done) =>
        done(null, { id: user.userId }),
      );
      const keys = createRemoteJWKSet(new URL(jwksURL));
      const apps: Record<'strategy' | 'jose', Verify> = {
        strategy: strategyVerify(strategy, token),
        jose: () => jwtVerify(token, keys, OPTIONS),
      };
      // Warm up: the keys fetched once for each, the code paths compiled.
      for (const verify of Object.values(apps))
        await ratePerSecond(verify, settings.quick ? 200 : 1000);

      const roundMs = settings.quick ? 400 : 2000;
      const rounds = settings.quick ? 3 : 5 * settings.runs;
      const rates = { strategy: [] as number[], jose: [] as number[], ratio: [] as number[] };
      for (let round = 0; round < rounds; round++) {
        // Ten short slices each, interleaved, so that both meet the same moments of the shared
        // machine's load; which goes first alternates from round to round.
        const got = { strategy: 0, jose: 0 };
        const order =
          round % 2 === 0 ? (['strategy', 'jose'] as const) : (['jose', 'strategy'] as const);
        for (let slice = 0; slice < SLICES; slice++)
          for (const name of order)
            got[name] += (await ratePerSecond(apps[name], roundMs / SLICES)) / SLICES;
        rates.strategy.push(got.strategy);
        rates.jose.push(got.jose);
        rates.ratio.push(got.strategy / got.jose);
        log(
          `app-token round ${round + 1}/${rounds}: ${got.strategy.toFixed(0)}/s vs jose ${got.jose.toFixed(0)}/s`,
        );
      }
      const strategySpread = spreadOf(rates.strategy);
      const joseSpread = spreadOf(rates.jose);
      const ratio = spreadOf(rates.ratio);
      const markdown = [
        '| verifier | requests/s, median (min–max) |',
        '| --- | --- |',
        `| WhopAppStrategy (authenticate, verify, success) | ${formatSpread(strategySpread, 0)} |`,
        `| jose \`jwtVerify\` alone (floor) | ${formatSpread(joseSpread, 0)} |`,
        '',
        `${rounds} rounds of ${roundMs} ms for each, in ${SLICES} interleaved slices; ${IN_FLIGHT} in flight; the JWKS cached.`,
      ].join('\n');
      return {
        markdown,
        targets: [
          {
            measure: 'Verified app-token requests/s, WhopAppStrategy / jose `jwtVerify`',
            value: formatSpread(ratio),
            target: '>= 0.85',
            pass: ratio.median >= 0.85,
          },
        ],
        results: {
          strategyPerSecond: roundSpread(strategySpread, 0),
          jwtVerifyPerSecond: roundSpread(joseSpread, 0),
          ratio: roundSpread(ratio, 3),
        },
      };
    } finally {
      server.closeAllConnections();
      server.close();
    }
  },
};
