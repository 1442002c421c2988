// End-to-end: the real parley server and two separate headless Chromium processes,
// all inside a loopback-only network namespace (see run-netns.sh).
//   PARLEY_BIN=/path/to/parley npm run e2e
// Env: PARLEY_SAVE_SCREENSHOT=1 also copies the video chat screenshot to
// ../docs/screenshot-video-chat.png; E2E_WAIT_MS bounds each wait (default 45 s).

import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ARTIFACTS,
  isLoopback,
  launchBrowser,
  logText,
  makeTempDir,
  removeDir,
  requirements,
  rtcReport,
  saveArtifact,
  startDropProxy,
  startServer,
  until,
  videoInfo,
  WEB_DIR,
} from './lib.mjs';

const MATCHED = "You're now chatting with a random stranger. Say hi!";
const LEFT = 'Stranger has disconnected.';
const TYPING = 'Stranger is typing…';
const YOU_LEFT = 'You have disconnected.';

const button = (page, name) => page.getByRole('button', { name, exact: true });
const messageField = (page) => page.getByLabel('Message', { exact: true });
const statusOf = (page) => page.getByRole('status').innerText();

async function logHas(p, text) {
  await until(`${p.name}: log shows ${JSON.stringify(text)}`, async () => (await logText(p.page)).includes(text), {
    detail: () => logText(p.page),
  });
}

async function statusIs(p, text) {
  await until(`${p.name}: status ${JSON.stringify(text)}`, async () => (await statusOf(p.page)) === text, {
    detail: () => statusOf(p.page),
  });
}

async function onLanding(p) {
  await button(p.page, 'Video chat').waitFor();
  await button(p.page, 'Text chat').waitFor();
}

async function send(p, text, how = 'enter') {
  await messageField(p.page).fill(text);
  if (how === 'enter') await messageField(p.page).press('Enter');
  else await button(p.page, 'Send').click();
}

/** Both pages decode each other's video over a loopback ICE pair (getStats). */
async function mediaFlowsBothWays(A, B, notSession) {
  let last = null;
  return until(
    'both pages decoding the other one’s video over 127.0.0.1',
    async () => {
      const [a, b] = await Promise.all([rtcReport(A.page), rtcReport(B.page)]);
      last = { a, b };
      const ok = (r) =>
        r.pc &&
        r.connectionState === 'connected' &&
        r.sessionId !== notSession &&
        r.inVideo &&
        r.inVideo.framesDecoded > 0 &&
        r.inVideo.frameWidth > 0 &&
        r.pair &&
        r.pair.state === 'succeeded' &&
        isLoopback(r.pair.local) &&
        isLoopback(r.pair.remote);
      // Each page decodes the stream the *other* page sends.
      const crossed = a.inVideo && b.inVideo && a.inVideo.ssrc === b.outVideoSsrc && b.inVideo.ssrc === a.outVideoSsrc;
      return ok(a) && ok(b) && crossed ? { a, b } : false;
    },
    { detail: () => last },
  );
}

/** The "Stranger's video" element plays: it has a size and its time advances. */
async function strangerVideoPlays(p) {
  const first = await until(`${p.name}: Stranger's video has frames`, async () => {
    const v = await videoInfo(p.page, "Stranger's video");
    return v && v.hasStream && v.width > 0 && !v.paused ? v : false;
  });
  await until(`${p.name}: Stranger's video time advances`, async () => {
    const v = await videoInfo(p.page, "Stranger's video");
    return v && v.time >= first.time + 0.5;
  });
  return first;
}

async function screenshotSideBySide(A, B) {
  const [a, b] = await Promise.all([A.page.screenshot(), B.page.screenshot()]);
  const { width, height } = A.page.viewportSize();
  const page = await A.context.newPage();
  try {
    await page.setViewportSize({ width: width * 2 + 12, height: height + 12 });
    const img = (buf) => `<img style="display:block;width:${width}px;height:${height}px" src="data:image/png;base64,${buf.toString('base64')}">`;
    await page.setContent(
      `<body style="margin:0;padding:6px;display:flex;gap:0 6px;background:#3b3f4a">${img(a)}${img(b)}</body>`,
    );
    return { both: await page.screenshot(), a };
  } finally {
    await page.close();
  }
}

/** A phone-sized (360 px wide) screenshot; the viewport is restored afterwards. */
async function narrowScreenshot(page) {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.waitForTimeout(400); // let the button colour transitions finish
  const shot = await page.screenshot({ fullPage: true });
  await page.setViewportSize(before);
  return shot;
}

describe('parley web client in two real browsers', { timeout: 240_000 }, () => {
  let tmp;
  let server;
  let proxy;
  let A;
  let B;

  before(async () => {
    const req = await requirements();
    tmp = await makeTempDir('parley-e2e-');
    server = await startServer({ ...req, tmp });
    [A, B] = await Promise.all([launchBrowser('A', tmp), launchBrowser('B', tmp)]);
  });

  after(async () => {
    const consoleLines = [A, B].flatMap((p) => (p ? p.errors.map((e) => `${p.name} ${e}`) : []));
    await saveArtifact('browser-console.log', consoleLines.join('\n') + '\n').catch(() => undefined);
    await Promise.allSettled([A?.context.close(), B?.context.close()]);
    await proxy?.close().catch(() => undefined);
    if (server) {
      const res = await server.stop();
      await saveArtifact('server.log', server.output).catch(() => undefined);
      if (res && res.code !== 0 && res.sig === null) console.error(`server exited with code ${res.code}`);
    }
    await removeDir(tmp);
  });

  test('video chat: matched, each page decodes the other over loopback, messages, Next', { timeout: 150_000 }, async () => {
    await Promise.all([A.page.goto(server.url), B.page.goto(server.url)]);
    await Promise.all([onLanding(A), onLanding(B)]);
    await until('A shows how many people are online', async () =>
      /\d+ (people|person) online/.test(await A.page.locator('.online').innerText()),
    );

    // Interests become chips; a shared one is announced on both sides.
    await A.page.getByLabel('Interests').fill('music, chess');
    await button(A.page, 'Remove music').waitFor();
    await B.page.getByLabel('Interests').fill('Chess, Music, art,');
    await button(B.page, 'Remove art').waitFor();

    await button(A.page, 'Video chat').click();
    await button(B.page, 'Video chat').click();

    for (const p of [A, B]) await logHas(p, MATCHED);
    for (const p of [A, B]) assert.match(await logText(p.page), /You both like (chess and music|music and chess)/);
    for (const p of [A, B]) await statusIs(p, 'Connected');

    const { a, b } = await mediaFlowsBothWays(A, B);
    const firstSession = a.sessionId;
    assert.equal(a.sessionId, b.sessionId, 'both pages are in the same session');
    for (const r of [a, b]) {
      assert.ok(r.localCandidates.every(isLoopback), `only loopback candidates: ${r.localCandidates}`);
    }
    await Promise.all([strangerVideoPlays(A), strangerVideoPlays(B)]);
    for (const p of [A, B]) {
      const own = await videoInfo(p.page, 'Your video');
      assert.ok(own && own.width > 0, `${p.name}: own video plays`);
      // The accessible names exist exactly once on this screen, on the right elements.
      assert.equal(await p.page.getByLabel("Stranger's video", { exact: true }).count(), 1);
      assert.equal(await p.page.getByLabel("Stranger's video", { exact: true }).evaluate((el) => el.tagName), 'VIDEO');
      assert.equal(await p.page.getByLabel('Your video', { exact: true }).evaluate((el) => el.tagName), 'VIDEO');
      for (const name of ['Next', 'Stop', 'Send']) assert.equal(await button(p.page, name).count(), 1, name);
      for (const name of ['Text chat', 'Video chat']) assert.equal(await button(p.page, name).count(), 0, name);
      assert.equal(await p.page.getByRole('log').count(), 1);
      assert.equal(await p.page.evaluate(() => window.__e2e.gum), 1, `${p.name}: one getUserMedia call`);
    }

    // Microphone and camera toggles change the tracks and their own names.
    await button(A.page, 'Mute microphone').click();
    await button(A.page, 'Turn camera off').click();
    const tracks = () =>
      A.page.evaluate(() => window.__e2e.streams.flatMap((s) => s.getTracks()).map((t) => `${t.kind}:${t.enabled}`).sort());
    assert.deepEqual(await tracks(), ['audio:false', 'video:false']);
    await button(A.page, 'Unmute microphone').click();
    await button(A.page, 'Turn camera on').click();
    assert.deepEqual(await tracks(), ['audio:true', 'video:true']);
    await button(A.page, 'Mute microphone').waitFor();

    // Messages both ways, with the typing indicator.
    await messageField(A.page).fill('Hello from A');
    await logHas(B, TYPING);
    await messageField(A.page).press('Enter');
    await logHas(B, 'Stranger: Hello from A');
    await logHas(A, 'You: Hello from A');
    await until('B: typing indicator gone after the message', async () => !(await logText(B.page)).includes(TYPING));
    await send(B, 'Hi from B, nice chess board', 'button');
    await logHas(A, 'Stranger: Hi from B, nice chess board');

    // Screenshots of the connected chat (pointer out of the way: no hover styles).
    await Promise.all([A.page.mouse.move(0, 0), B.page.mouse.move(0, 0)]);
    const shots = await screenshotSideBySide(A, B);
    await saveArtifact('video-chat.png', shots.both);
    await saveArtifact('video-chat-page-a.png', shots.a);
    if (process.env.PARLEY_SAVE_SCREENSHOT === '1') {
      const docs = path.resolve(WEB_DIR, '..', 'docs');
      await mkdir(docs, { recursive: true });
      await copyFile(path.join(ARTIFACTS, 'video-chat-page-a.png'), path.join(docs, 'screenshot-video-chat.png'));
    }

    // Next on A: B keeps its chat with the notice until it acts.
    await button(A.page, 'Next').click();
    await logHas(B, LEFT);
    await statusIs(A, 'Looking for someone…');
    assert.ok(!(await logText(A.page)).includes('Hello from A'), 'A starts a clean chat');
    assert.ok((await logText(B.page)).includes('Stranger: Hello from A'), 'B keeps the old log');
    assert.equal(await B.page.evaluate(() => window.__parley.pc), null, 'B closed its peer connection');
    await B.page.waitForTimeout(1000);
    assert.ok((await logText(B.page)).includes(LEFT), 'B still shows the ended chat');
    assert.equal(await button(B.page, 'Next').isEnabled(), true);

    // A narrow (phone) layout of the ended chat, for the record.
    await saveArtifact('video-chat-ended-360.png', await narrowScreenshot(B.page));

    // B presses Next: a new chat, a new peer connection, nothing of the old one.
    await button(B.page, 'Next').click();
    for (const p of [A, B]) await statusIs(p, 'Connected');
    const again = await mediaFlowsBothWays(A, B, firstSession);
    assert.notEqual(again.a.sessionId, firstSession);
    for (const p of [A, B]) {
      const log = await logText(p.page);
      assert.ok(!log.includes('Hello from A') && !log.includes(LEFT), `${p.name}: no old line in the new chat`);
      assert.equal(await p.page.evaluate(() => window.__e2e.pcs), 2, `${p.name}: one peer connection per chat`);
    }
    await strangerVideoPlays(A);
    await saveArtifact('video-chat-360.png', await narrowScreenshot(B.page));

    // Stop asks "Really?" first (issue 14, as on Omegle); then the chat ends and stays
    // on screen; Stop on the ended chat goes back to the landing view, camera released.
    await button(A.page, 'Stop').click();
    await button(A.page, 'Really?').waitFor();
    assert.equal(await A.page.evaluate(() => window.__parley.phase), 'chatting', 'Stop alone does not end the chat');
    await button(A.page, 'Really?').click();
    await logHas(A, YOU_LEFT);
    await logHas(B, LEFT);
    await button(A.page, 'Stop').click();
    await onLanding(A);
    await button(B.page, 'Stop').click();
    await onLanding(B);
    for (const p of [A, B]) {
      const state = await p.page.evaluate(() => ({
        pc: window.__parley.pc,
        videos: document.querySelectorAll('video').length,
        live: window.__e2e.streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState !== 'ended').length,
      }));
      assert.deepEqual(state, { pc: null, videos: 0, live: 0 }, `${p.name}: nothing left running`);
      assert.deepEqual(p.errors.filter((e) => e.startsWith('pageerror')), []);
    }
  });

  test('text chat: no camera, no peer connection, messages both ways, Esc steps Stop -> Really? -> New', { timeout: 90_000 }, async () => {
    await Promise.all([A.page.goto(server.url), B.page.goto(server.url)]);
    await Promise.all([onLanding(A), onLanding(B)]);
    await saveArtifact('landing-360.png', await narrowScreenshot(B.page));
    // Interests from the previous test are remembered; clear them for a random match.
    for (const p of [A, B]) {
      for (;;) {
        const chip = p.page.getByRole('button', { name: /^Remove / });
        if ((await chip.count()) === 0) break;
        await chip.first().click();
      }
    }
    await button(A.page, 'Text chat').click();
    await statusIs(A, 'Looking for someone…');
    // B uses only the keyboard: Tab from the interests field reaches Text chat.
    await B.page.getByLabel('Interests').focus();
    await B.page.keyboard.press('Tab');
    assert.equal(await B.page.evaluate(() => document.activeElement.textContent), 'Text chat');
    await B.page.keyboard.press('Enter');
    for (const p of [A, B]) await logHas(p, MATCHED);
    for (const p of [A, B]) await statusIs(p, 'Connected');
    // The message field has the focus once matched.
    await until('B: focus in the message field', () =>
      B.page.evaluate(() => document.activeElement && document.activeElement.id === 'message-input'),
    );
    await B.page.keyboard.type('typed on the keyboard');
    await B.page.keyboard.press('Enter');
    await logHas(A, 'Stranger: typed on the keyboard');

    await send(A, 'text hello from A');
    await logHas(B, 'Stranger: text hello from A');
    await send(B, 'text reply from B', 'button');
    await logHas(A, 'Stranger: text reply from B');
    await logHas(B, 'You: text reply from B');
    await saveArtifact('text-chat.png', await A.page.screenshot());
    await saveArtifact('text-chat-360.png', await narrowScreenshot(B.page));

    for (const p of [A, B]) {
      const counts = await p.page.evaluate(() => ({
        gum: window.__e2e.gum,
        pcs: window.__e2e.pcs,
        pc: window.__parley.pc,
        videos: document.querySelectorAll('video').length,
      }));
      assert.deepEqual(counts, { gum: 0, pcs: 0, pc: null, videos: 0 }, `${p.name}: text chat touches no media`);
    }

    // Esc steps like Omegle's button (issue 14; it used to be Next): Stop -> Really? -> New.
    await A.page.keyboard.press('Escape');
    await button(A.page, 'Really?').waitFor();
    await B.page.waitForTimeout(300);
    assert.ok(!(await logText(B.page)).includes(LEFT), 'the first Esc only asks');
    await A.page.keyboard.press('Escape');
    await logHas(B, LEFT);
    await logHas(A, YOU_LEFT);
    await statusIs(A, 'Chat ended');
    await A.page.keyboard.press('Escape');
    await statusIs(A, 'Looking for someone…');
    await button(B.page, 'Stop').click();
    await onLanding(B);
    await button(A.page, 'Stop').click();
    await onLanding(A);

    // Closing the page leaves the chat at once (not after the resume grace period).
    await button(A.page, 'Text chat').click();
    await button(B.page, 'Text chat').click();
    for (const p of [A, B]) await logHas(p, MATCHED);
    await A.page.goto('about:blank');
    await until('B learns within 5 s that A closed the page', async () => (await logText(B.page)).includes(LEFT), {
      timeout: 5_000,
    });
    await button(B.page, 'Stop').click();
    await onLanding(B);
  });

  test('a dropped connection resumes by itself and misses nothing', { timeout: 90_000 }, async () => {
    proxy = await startDropProxy(server.port);
    await Promise.all([A.page.goto(proxy.url), B.page.goto(server.url)]);
    await Promise.all([onLanding(A), onLanding(B)]);
    await button(A.page, 'Text chat').click();
    await button(B.page, 'Text chat').click();
    for (const p of [A, B]) await logHas(p, MATCHED);
    await send(A, 'before the drop');
    await logHas(B, 'Stranger: before the drop');

    // Cut A's connections without a close frame, and keep refusing for a while.
    proxy.dropAll();
    await statusIs(A, 'Reconnecting…');
    await send(B, 'sent while A was away');
    await A.page.waitForTimeout(500);
    proxy.accept();

    await logHas(A, 'Stranger: sent while A was away');
    await statusIs(A, 'Connected');
    const log = await logText(A.page);
    assert.equal(log.split('sent while A was away').length - 1, 1, 'the missed message shows once');
    assert.equal(log.split('before the drop').length - 1, 1, 'nothing is replayed twice');
    assert.ok(!(await logText(B.page)).includes(LEFT), 'B never saw A leave');

    await send(A, 'back again');
    await logHas(B, 'Stranger: back again');
    await button(A.page, 'Stop').click();
    await button(A.page, 'Really?').click();
    await logHas(B, LEFT);
    await button(A.page, 'Stop').click();
    await button(B.page, 'Stop').click();
    await Promise.all([onLanding(A), onLanding(B)]);
    await proxy.close();
    proxy = null;
  });

  test('camera refused: plain message, text chat offered, no peer connection', { timeout: 60_000 }, async () => {
    const page = await A.context.newPage();
    try {
      await page.addInitScript(() => {
        navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
      });
      await page.goto(server.url);
      await button(page, 'Video chat').click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      const text = await alert.innerText();
      assert.match(text, /camera/i);
      assert.match(text, /text chat/i);
      assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.textContent), 'Text chat');
      assert.equal(await page.evaluate(() => window.__e2e.pcs), 0);
      await saveArtifact('camera-refused.png', await page.screenshot());
      await button(page, 'Text chat').click();
      await until('searching by text after the refusal', async () => (await statusOf(page)) === 'Looking for someone…');
      await button(page, 'Stop').click();
      await onLanding({ page });
    } finally {
      await page.close();
    }
  });
});
