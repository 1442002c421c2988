// End-to-end tests of issue 14 in two real browsers: file sharing over the data
// channel, screen sharing, Data saver, Save chat, the installable app (manifest,
// service worker, app shell from its cache, offline notice), auto-reroll, and axe-core
// on the landing, chat and file-offer views. Same set-up as parley.test.mjs.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  axeViolations,
  dataChannelStats,
  launchBrowser,
  logText,
  makeTempDir,
  removeDir,
  requirements,
  saveArtifact,
  startServer,
  until,
  videoInfo,
  WEB_DIR,
} from './lib.mjs';

const MATCHED = "You're now chatting with a random stranger. Say hi!";
const LEFT = 'Stranger has disconnected.';

const button = (page, name) => page.getByRole('button', { name, exact: true });
const t0 = Date.now();
/** E2E_VERBOSE=1: print how long each step took (the suite must stay quick on 2 cores). */
const step = (what) => process.env.E2E_VERBOSE === '1' && console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

async function logHas(p, text) {
  await until(`${p.name}: log shows ${JSON.stringify(text)}`, async () => (await logText(p.page)).includes(text), {
    detail: () => logText(p.page),
  });
}

async function noAxeViolations(p, view) {
  step(`axe on ${p.name} ${view}`);
  const violations = await axeViolations(p.page);
  assert.deepEqual(violations, [], `${p.name}: axe-core violations on the ${view} view`);
}

/** Picks `file` through the browser's file chooser opened by "Send a file". */
async function sendFile(p, file) {
  const [chooser] = await Promise.all([p.page.waitForEvent('filechooser'), button(p.page, 'Send a file').click()]);
  await chooser.setFiles(file);
}

/** The other page's video, as this page decodes it: the aspect of the frames. */
async function strangerAspect(p) {
  const v = await videoInfo(p.page, "Stranger's video");
  return v && v.width > 0 && v.height > 0 ? v.width / v.height : 0;
}

const senderTrack = (page) =>
  page.evaluate(() => {
    const s = window.__parley.pc.getSenders().find((x) => x.track && x.track.kind === 'video');
    if (!s) return null;
    const enc = s.getParameters().encodings[0] || {};
    return { label: s.track.label, id: s.track.id, maxFramerate: enc.maxFramerate ?? null, scale: enc.scaleResolutionDownBy ?? null };
  });

const inboundVideo = (page) =>
  page.evaluate(async () => {
    let out = null;
    (await window.__parley.pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') out = { ssrc: s.ssrc, framesDecoded: s.framesDecoded || 0, frameWidth: s.frameWidth || 0, frameHeight: s.frameHeight || 0 };
    });
    return out;
  });

describe('issue 14 features in two real browsers', { timeout: 240_000 }, () => {
  let tmp;
  let server;
  let A;
  let B;

  before(async () => {
    const req = await requirements();
    tmp = await makeTempDir('parley-e2e-features-');
    server = await startServer({ ...req, tmp });
    [A, B] = await Promise.all([launchBrowser('A', tmp), launchBrowser('B', tmp)]);
  });

  after(async () => {
    const lines = [A, B].flatMap((p) => (p ? p.errors.map((e) => `${p.name} ${e}`) : []));
    await saveArtifact('features-browser-console.log', lines.join('\n') + '\n').catch(() => undefined);
    await Promise.allSettled([A?.context.close(), B?.context.close()]);
    if (server) {
      await server.stop();
      await saveArtifact('features-server.log', server.output).catch(() => undefined);
    }
    await removeDir(tmp);
  });

  test('installable app: manifest, icons and service worker are served; the shell loads from its cache; offline says so', { timeout: 90_000 }, async () => {
    const api = A.context.request;
    const manifestRes = await api.get(`${server.url}/manifest.webmanifest`);
    assert.equal(manifestRes.status(), 200);
    assert.match(manifestRes.headers()['content-type'], /^application\/manifest\+json/);
    const manifest = await manifestRes.json();
    assert.equal(manifest.short_name, 'parley');
    assert.equal(manifest.display, 'standalone');
    assert.equal(manifest.start_url, '/');
    const sizes = manifest.icons.map((i) => i.sizes);
    assert.ok(sizes.includes('192x192') && sizes.includes('512x512'), `icons: ${sizes}`);
    for (const icon of manifest.icons) {
      const res = await api.get(server.url + icon.src);
      assert.equal(res.status(), 200, icon.src);
      assert.equal(res.headers()['content-type'], icon.type, icon.src);
    }
    const swRes = await api.get(`${server.url}/sw.js`);
    assert.equal(swRes.status(), 200);
    assert.match(swRes.headers()['content-type'], /javascript/);

    await A.page.goto(server.url);
    await button(A.page, 'Text chat').waitFor();
    assert.equal(await A.page.locator('link[rel="manifest"]').getAttribute('href'), '/manifest.webmanifest');
    await until('the service worker controls the page', () =>
      A.page.evaluate(async () => {
        await navigator.serviceWorker.ready;
        return !!navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL.endsWith('/sw.js');
      }),
    );
    const cached = await A.page.evaluate(async () => {
      const keys = await (await caches.open('parley-shell-v1')).keys();
      return keys.map((r) => new URL(r.url).pathname);
    });
    assert.ok(cached.includes('/'), `cached: ${cached}`);
    assert.ok(cached.some((p) => /^\/assets\/.*\.js$/.test(p)), `cached: ${cached}`);

    // A reload is answered by the service worker: the page and its scripts and styles.
    const responses = [];
    const onResponse = (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/' || u.pathname.startsWith('/assets/')) responses.push({ path: u.pathname, sw: r.fromServiceWorker() });
    };
    A.page.on('response', onResponse);
    await A.page.reload();
    await button(A.page, 'Text chat').waitFor();
    A.page.off('response', onResponse);
    assert.ok(responses.length >= 3, `responses: ${JSON.stringify(responses)}`);
    assert.ok(responses.every((r) => r.sw), `all from the service worker: ${JSON.stringify(responses)}`);

    // Offline: the shell still opens from the cache and says chatting needs the network.
    await A.context.setOffline(true);
    try {
      await A.page.reload();
      await button(A.page, 'Video chat').waitFor();
      await until('A: offline notice', async () => /offline/i.test(await A.page.getByRole('alert').innerText().catch(() => '')));
      await saveArtifact('offline-landing.png', await A.page.screenshot());
    } finally {
      await A.context.setOffline(false);
    }
    await until('A: the offline notice goes once the server is reachable', async () => (await A.page.getByRole('alert').count()) === 0, { timeout: 30_000 });

    await noAxeViolations(A, 'landing');
    // The dark theme follows the system setting, and passes too.
    await A.page.emulateMedia({ colorScheme: 'dark' });
    await A.page.waitForTimeout(500); // let the 0.15 s colour transitions of the buttons finish
    assert.equal(await A.page.evaluate(() => getComputedStyle(document.documentElement).colorScheme), 'dark');
    await noAxeViolations(A, 'landing (dark theme)');
    await saveArtifact('landing-dark.png', await A.page.screenshot());
    await A.page.emulateMedia({ colorScheme: 'light' });
  });

  test('video chat: file offer, a declined file moves no byte, an accepted one arrives byte-exact; image preview', { timeout: 120_000 }, async () => {
    await Promise.all([A.page.goto(server.url), B.page.goto(server.url)]);
    await button(A.page, 'Video chat').click();
    await button(B.page, 'Video chat').click();
    for (const p of [A, B]) await logHas(p, MATCHED);
    for (const p of [A, B]) {
      await until(`${p.name}: peer connection connected`, () => p.page.evaluate(() => window.__parley.pc && window.__parley.pc.connectionState === 'connected'));
    }
    await noAxeViolations(A, 'video chat');
    step("await noAxeViolations(A, 'video chat');");

    // The file limit is shown beside the button.
    assert.match(await A.page.locator('#file-limit').innerText(), /100 MB/);

    // Declined: the offer names the file and its size; no byte of it ever moves.
    step('// Declined: the offer names the file and its size');
    const declinedPath = path.join(tmp, 'declined.bin');
    await writeFile(declinedPath, randomBytes(2 * 1024 * 1024));
    const statsBefore = await dataChannelStats(A.page);
    await sendFile(A, declinedPath);
    const files = B.page.getByRole('region', { name: 'Files' });
    await until('B: offer of declined.bin (2.0 MB)', async () => /declined\.bin.*2\.0 MB/s.test(await files.innerText().catch(() => '')));
    await button(B.page, 'Accept file').waitFor();
    await button(B.page, 'Decline file').waitFor();
    await saveArtifact('file-offer.png', await B.page.screenshot());
    await B.page.setViewportSize({ width: 360, height: 740 });
    await B.page.waitForTimeout(400);
    await saveArtifact('file-offer-360.png', await B.page.screenshot({ fullPage: true }));
    await noAxeViolations(B, 'file offer at 360 px');
    const overflow = await B.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'no sideways scrolling at 360 px');
    await B.page.setViewportSize({ width: 1200, height: 720 });
    await noAxeViolations(B, 'file offer');
    await B.page.waitForTimeout(500);
    assert.equal(await B.page.evaluate(() => window.__parley.files.binaryBytesReceived), 0, 'nothing before the answer');
    await button(B.page, 'Decline file').click();
    step("await button(B.page, 'Decline file').click();");
    await logHas(A, 'The stranger declined declined.bin.');
    await B.page.waitForTimeout(1000);
    assert.equal(await B.page.evaluate(() => window.__parley.files.binaryBytesReceived), 0, 'B received no file bytes');
    const statsAfter = await dataChannelStats(A.page);
    const sent = statsAfter.bytesSent - statsBefore.bytesSent;
    assert.ok(sent < 2048, `A sent only the small offer on the channel, not the file: ${sent} bytes`);

    // Accepted: every byte arrives, same SHA-256 in the page, in the download, at the source.
    step('// Accepted: every byte arrives, same SHA-256 in t');
    const payload = randomBytes(3 * 1024 * 1024 + 12345);
    const payloadPath = path.join(tmp, 'payload.bin');
    await writeFile(payloadPath, payload);
    await sendFile(A, payloadPath);
    await button(B.page, 'Accept file').click();
    const link = B.page.getByRole('link', { name: /^Download payload\.bin/ });
    await link.waitFor();
    step('await link.waitFor();');
    await logHas(A, 'You sent payload.bin (3.0 MB).');
    const inPage = await B.page.evaluate(async () => {
      const f = window.__parley.files.received.find((x) => x.name === 'payload.bin');
      const digest = await crypto.subtle.digest('SHA-256', await f.blob.arrayBuffer());
      return { size: f.blob.size, hash: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') };
    });
    assert.deepEqual(inPage, { size: payload.length, hash: sha256(payload) }, 'SHA-256 in the receiving page');
    assert.equal(await link.getAttribute('download'), 'payload.bin');
    assert.match(await link.getAttribute('href'), /^blob:/);
    const [download] = await Promise.all([B.page.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), 'payload.bin');
    const saved = path.join(tmp, 'downloaded.bin');
    await download.saveAs(saved);
    assert.equal(sha256(await readFile(saved)), sha256(payload), 'SHA-256 of the downloaded file');
    // Never opened by itself: B is still on the chat, with one page.
    assert.equal(B.context.pages().length, 1);
    assert.equal(await B.page.evaluate(() => window.__parley.phase), 'chatting');

    // An image is previewed with <img> from a blob: URL.
    step('// An image is previewed with <img> from a blob: U');
    await sendFile(A, path.join(WEB_DIR, 'public', 'icons', 'icon-192.png'));
    await button(B.page, 'Accept file').click();
    const img = B.page.getByRole('img', { name: 'Image from the stranger: icon-192.png' });
    await img.waitFor();
    await until('B: the preview is decoded', () => img.evaluate((el) => el.complete && el.naturalWidth === 192));
    await B.page.getByRole('link', { name: /^Download icon-192\.png/ }).waitFor();

    // The sender withdraws an offer before it is answered: the receiver's offer goes away.
    const bytesBefore = await B.page.evaluate(() => window.__parley.files.binaryBytesReceived);
    await sendFile(A, declinedPath);
    await button(B.page, 'Accept file').waitFor();
    await button(A.page, 'Cancel file').click();
    await logHas(B, 'The stranger cancelled declined.bin.');
    assert.equal(await button(B.page, 'Accept file').count(), 0);
    assert.equal(await B.page.evaluate(() => window.__parley.files.binaryBytesReceived), bytesBefore);
  });

  test('screen sharing replaces the track the stranger decodes; Stop sharing restores the camera; Data saver caps the video', { timeout: 90_000 }, async () => {
    // Continues the video chat of the previous test.
    await until('B decodes A’s 4:3 camera', async () => Math.abs((await strangerAspect(B)) - 4 / 3) < 0.02);
    const camera = await senderTrack(A.page);
    const inboundBefore = await inboundVideo(B.page);
    const offerBefore = await A.page.evaluate(() => window.__parley.pc.localDescription.sdp);

    await button(A.page, 'Share screen').click();
    await button(A.page, 'Stop sharing').waitFor();
    const screen = await senderTrack(A.page);
    assert.match(screen.label, /^screen/, `A sends the screen: ${screen.label}`);
    assert.notEqual(screen.id, camera.id);
    await until('B decodes A’s 16:9 screen', async () => Math.abs((await strangerAspect(B)) - 16 / 9) < 0.02, {
      detail: () => inboundVideo(B.page),
    });
    const inboundScreen = await inboundVideo(B.page);
    assert.equal(inboundScreen.ssrc, inboundBefore.ssrc, 'same stream: replaceTrack, no renegotiation');
    assert.ok(inboundScreen.framesDecoded > inboundBefore.framesDecoded);
    assert.equal(await A.page.evaluate(() => window.__parley.pc.localDescription.sdp), offerBefore, 'no new offer');
    await saveArtifact('screen-share.png', await B.page.screenshot());

    await button(A.page, 'Stop sharing').click();
    await button(A.page, 'Share screen').waitFor();
    const back = await senderTrack(A.page);
    assert.equal(back.id, camera.id, 'the camera track is sent again');
    await until('B decodes A’s camera again', async () => Math.abs((await strangerAspect(B)) - 4 / 3) < 0.02);
    assert.equal(await A.page.evaluate(() => window.__e2e.gum), 1, 'the camera was not asked for again');

    // The browser's own "Stop sharing" (the track ends) swaps the camera back too.
    await button(A.page, 'Share screen').click();
    await button(A.page, 'Stop sharing').waitFor();
    await until('A sends the screen again', async () => /^screen/.test((await senderTrack(A.page)).label));
    await A.page.evaluate(() => {
      const s = window.__parley.pc.getSenders().find((x) => x.track && x.track.kind === 'video');
      s.track.dispatchEvent(new Event('ended')); // what the browser fires when its stop bar is used
    });
    await button(A.page, 'Share screen').waitFor();
    await until('A sends the camera after the browser stopped sharing', async () => (await senderTrack(A.page)).id === camera.id);

    // Data saver: the sender caps resolution and frame rate; B decodes at most 320 px.
    const saver = A.page.getByRole('checkbox', { name: 'Data saver' });
    await saver.check();
    await until('A: encodings capped', async () => {
      const t = await senderTrack(A.page);
      return t.maxFramerate === 15 && t.scale === 2;
    });
    await until('B decodes at most 320 px wide', async () => {
      const v = await inboundVideo(B.page);
      return v && v.frameWidth > 0 && v.frameWidth <= 320;
    }, { detail: () => inboundVideo(B.page) });
    await saver.uncheck();
    await until('A: no cap', async () => (await senderTrack(A.page)).scale === 1);
  });

  test('Save chat downloads the conversation; the title flashes in a hidden tab; auto-reroll counts down and can be cancelled', { timeout: 90_000 }, async () => {
    await A.page.getByLabel('Message', { exact: true }).fill('transcript line from A');
    await A.page.getByLabel('Message', { exact: true }).press('Enter');
    await logHas(B, 'Stranger: transcript line from A');
    // A's tab is hidden: the reply makes its title flash until A comes back.
    const title = await A.page.title();
    await A.page.evaluate(() => Object.defineProperty(document, 'hidden', { configurable: true, get: () => true }));
    await B.page.getByLabel('Message', { exact: true }).fill('and a reply from B');
    await B.page.getByLabel('Message', { exact: true }).press('Enter');
    await logHas(A, 'Stranger: and a reply from B');
    await until('A: the title flashes', async () => (await A.page.title()) === 'New message – parley');
    await A.page.evaluate(() => {
      delete document.hidden; // the own property; Document.prototype's getter is back
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await until('A: the title is restored', async () => (await A.page.title()) === title);

    const [download] = await Promise.all([A.page.waitForEvent('download'), button(A.page, 'Save chat').click()]);
    assert.match(download.suggestedFilename(), /^parley-chat-\d{8}-\d{4}\.txt$/);
    const file = path.join(tmp, 'transcript.txt');
    await download.saveAs(file);
    const text = await readFile(file, 'utf8');
    assert.match(text, /You: transcript line from A/);
    assert.match(text, /Stranger: and a reply from B/);
    assert.match(text, /You sent payload\.bin/);

    // Auto-reroll on B: after A leaves, a visible countdown with a way to cancel it.
    await B.page.getByRole('checkbox', { name: 'Auto-reroll' }).check();
    await button(A.page, 'Stop').click();
    await button(A.page, 'Really?').click();
    await logHas(B, LEFT);
    await until('B: countdown shown', async () => /New stranger in \d seconds?/.test(await B.page.locator('.reroll-count').innerText().catch(() => '')));
    await button(B.page, 'Cancel auto-reroll').click();
    await B.page.waitForTimeout(6000);
    assert.equal(await B.page.evaluate(() => window.__parley.phase), 'ended', 'cancelled: B still on the ended chat');
    await B.page.getByRole('checkbox', { name: 'Auto-reroll' }).uncheck();

    for (const p of [A, B]) {
      await button(p.page, 'Stop').click();
      await button(p.page, 'Video chat').waitFor();
      assert.deepEqual(p.errors.filter((e) => e.startsWith('pageerror')), []);
    }
  });

  test('text chat: a file needs both users to agree to a direct connection first; then it arrives byte-exact', { timeout: 90_000 }, async () => {
    await Promise.all([A.page.goto(server.url), B.page.goto(server.url)]);
    await button(A.page, 'Text chat').click();
    await button(B.page, 'Text chat').click();
    for (const p of [A, B]) await logHas(p, MATCHED);
    assert.equal(await A.page.evaluate(() => window.__parley.pc), null, 'no peer connection in a text chat');

    const payload = randomBytes(1024 * 1024 + 7);
    const file = path.join(tmp, 'text-chat.bin');
    await writeFile(file, payload);
    await sendFile(A, file);
    // A is asked first, and nothing reaches B before A agrees.
    await button(A.page, 'Ask to connect directly').waitFor();
    assert.match(await A.page.getByRole('region', { name: 'Files' }).innerText(), /IP address/);
    await B.page.waitForTimeout(500);
    assert.equal(await B.page.getByRole('button', { name: 'Allow direct connection' }).count(), 0);
    await button(A.page, 'Ask to connect directly').click();
    await button(B.page, 'Allow direct connection').waitFor();
    assert.match(await B.page.getByRole('region', { name: 'Files' }).innerText(), /IP address/);
    assert.equal(await B.page.evaluate(() => window.__e2e.pcs), 0, 'no connection before B agrees');
    await button(B.page, 'Allow direct connection').click();

    await button(B.page, 'Accept file').click();
    await B.page.getByRole('link', { name: /^Download text-chat\.bin/ }).waitFor();
    const hash = await B.page.evaluate(async () => {
      const f = window.__parley.files.received.find((x) => x.name === 'text-chat.bin');
      const d = await crypto.subtle.digest('SHA-256', await f.blob.arrayBuffer());
      return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
    });
    assert.equal(hash, sha256(payload));
    for (const p of [A, B]) {
      assert.equal(await p.page.evaluate(() => window.__e2e.gum), 0, `${p.name}: no camera in a text chat`);
      const media = await p.page.evaluate(() => window.__parley.pc.getTransceivers().length);
      assert.equal(media, 0, `${p.name}: a data-only connection`);
    }
    await button(A.page, 'Stop').click();
    await button(A.page, 'Really?').click();
    await logHas(B, LEFT);
    for (const p of [A, B]) await button(p.page, 'Stop').click();
  });
});
