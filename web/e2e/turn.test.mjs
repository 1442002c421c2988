// End-to-end: "Hide my IP address" with a real TURN relay. Debian's coturn, the
// parley server (issuing TURN credentials from the shared secret) and two separate
// headless Chromium processes, all in the loopback-only network namespace of
// run-netns.sh. Both pages hide their IP: the selected ICE pair must be relay on both
// sides, no host candidate is even gathered, and each page decodes the other's video.
//   PARLEY_BIN=/path/to/parley npm run e2e

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  launchBrowser,
  makeTempDir,
  removeDir,
  requirements,
  rtcReport,
  saveArtifact,
  startCoturn,
  startServer,
  until,
  videoInfo,
} from './lib.mjs';

const button = (page, name) => page.getByRole('button', { name, exact: true });
const hideIp = (page) => page.getByRole('checkbox', { name: 'Hide my IP address' });
const statusOf = (page) => page.getByRole('status').innerText();

describe('hide my IP address: video through the TURN relay only', { timeout: 180_000 }, () => {
  let tmp;
  let coturn;
  let server;
  let plain;
  let A;
  let B;
  const secret = randomBytes(18).toString('hex');

  before(async () => {
    const req = await requirements();
    tmp = await makeTempDir('parley-e2e-turn-');
    coturn = await startCoturn({ tmp, secret });
    server = await startServer({
      ...req,
      tmp,
      env: { TURN_URLS: coturn.url, TURN_SECRET: secret, TURN_TTL_S: '600', LOG_LEVEL: 'debug' },
    });
    [A, B] = await Promise.all([launchBrowser('A', tmp), launchBrowser('B', tmp)]);
  });

  after(async () => {
    const consoleLines = [A, B].flatMap((p) => (p ? p.errors.map((e) => `${p.name} ${e}`) : []));
    await saveArtifact('turn-browser-console.log', consoleLines.join('\n') + '\n').catch(() => undefined);
    await Promise.allSettled([A?.context.close(), B?.context.close()]);
    for (const s of [server, plain]) {
      if (!s) continue;
      await s.stop();
    }
    if (server) await saveArtifact('turn-server.log', server.output).catch(() => undefined);
    await coturn?.stop();
    await removeDir(tmp);
  });

  test('both pages relay only: relay/relay pair, each decodes the other, status says so', { timeout: 150_000 }, async () => {
    await Promise.all([A.page.goto(server.url), B.page.goto(server.url)]);
    for (const p of [A, B]) {
      await until(`${p.name}: Hide my IP address can be turned on`, () => hideIp(p.page).isEnabled());
      assert.equal(await hideIp(p.page).isChecked(), false, 'off by default');
      await hideIp(p.page).check();
    }
    // Remembered on the device.
    await A.page.reload();
    await until('A: the option is still on after a reload', () => hideIp(A.page).isChecked());

    await button(A.page, 'Video chat').click();
    await button(B.page, 'Video chat').click();

    let last = null;
    const { a, b } = await until(
      'both pages connected through the relay, decoding each other',
      async () => {
        const [ra, rb] = await Promise.all([rtcReport(A.page), rtcReport(B.page)]);
        last = { ra, rb };
        const ok = (r) =>
          r.pc &&
          r.connectionState === 'connected' &&
          r.pair &&
          r.pair.state === 'succeeded' &&
          r.pair.localType === 'relay' &&
          r.pair.remoteType === 'relay' &&
          r.inVideo &&
          r.inVideo.framesDecoded > 0 &&
          r.inVideo.frameWidth > 0;
        const crossed = ra.inVideo && rb.inVideo && ra.inVideo.ssrc === rb.outVideoSsrc && rb.inVideo.ssrc === ra.outVideoSsrc;
        return ok(ra) && ok(rb) && crossed ? { a: ra, b: rb } : false;
      },
      { detail: () => last },
    );
    assert.equal(a.sessionId, b.sessionId);
    for (const r of [a, b]) {
      // Relay only: not a single host or server-reflexive candidate was gathered.
      assert.ok(r.localCandidateTypes.length > 0 && r.localCandidateTypes.every((t) => t === 'relay'), `candidate types ${r.localCandidateTypes}`);
    }
    for (const p of [A, B]) {
      await until(`${p.name}: status says the relay`, async () => (await statusOf(p.page)) === 'Connected through the relay', {
        detail: () => statusOf(p.page),
      });
      const first = await until(`${p.name}: Stranger's video plays`, async () => {
        const v = await videoInfo(p.page, "Stranger's video");
        return v && v.width > 0 && !v.paused ? v : false;
      });
      await until(`${p.name}: Stranger's video time advances`, async () => {
        const v = await videoInfo(p.page, "Stranger's video");
        return v && v.time >= first.time + 0.5;
      });
    }
    await saveArtifact('turn-video-chat-a.png', await A.page.screenshot());
    // parley issued the credentials the pages used (at debug level it says so, never the secret).
    assert.match(server.output, /TURN credentials \d+:[0-9a-f]{16} issued/);
    assert.ok(!server.output.includes(secret), 'the secret is not in the server log');

    await button(A.page, 'Stop').click();
    await button(B.page, 'Stop').click();
    for (const p of [A, B]) assert.deepEqual(p.errors.filter((e) => e.startsWith('pageerror')), []);
  });

  test('without a TURN server the option says it is unavailable', { timeout: 60_000 }, async () => {
    const req = await requirements();
    const dir = await makeTempDir('parley-e2e-noturn-');
    plain = await startServer({ ...req, tmp: dir });
    const page = await A.context.newPage();
    try {
      await page.goto(plain.url);
      await until('the option is disabled', async () => !(await hideIp(page).isEnabled()));
      assert.equal(await hideIp(page).isChecked(), false);
      assert.match(await page.locator('#hide-ip-help').innerText(), /Unavailable/);
    } finally {
      await page.close();
      await plain.stop();
      plain = null;
      await removeDir(dir);
    }
  });
});
