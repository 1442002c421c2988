// Safety end to end (issue 13): the age and rules gate, then a user reports the stranger
// with a reason; the chat ends on both pages; the two are not paired again while a third
// user is. Three headless Chromium pages, text chats, one real parley server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, logText, makeTempDir, removeDir, requirements, saveArtifact, startServer, until } from './lib.mjs';

const MATCHED = "You're now chatting with a random stranger. Say hi!";
const LEFT = 'Stranger has disconnected.';
const REPORTED = 'You reported the stranger. You will not be paired with them again.';
const SEARCHING = 'Looking for someone…';
const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

const button = (page, name) => page.getByRole('button', { name, exact: true });
const statusOf = (page) => page.getByRole('status').first().innerText();

async function logHas(p, text) {
  await until(`${p.name}: log shows ${JSON.stringify(text)}`, async () => (await logText(p.page)).includes(text), {
    detail: () => logText(p.page),
  });
}

describe('safety: age gate, report, not paired again', () => {
  let tmp;
  let server;
  let A;
  let B;
  let C;

  before(async () => {
    const req = await requirements();
    tmp = await makeTempDir('parley-e2e-safety-');
    server = await startServer({ ...req, tmp, env: { REMATCH_COOLDOWN_S: '300', ADMIN_TOKEN } });
    [A, B, C] = await Promise.all([
      launchBrowser('A', tmp),
      launchBrowser('B', tmp),
      // C comes to parley for the first time: it meets the gate.
      launchBrowser('C', tmp, undefined, { ageConfirmed: false }),
    ]);
    await Promise.all([A, B, C].map((p) => p.page.goto(server.url)));
  });

  after(async () => {
    const lines = [A, B, C].flatMap((p) => (p ? p.errors.map((e) => `${p.name} ${e}`) : []));
    await saveArtifact('safety-browser-console.log', lines.join('\n') + '\n').catch(() => undefined);
    await Promise.allSettled([A?.context.close(), B?.context.close(), C?.context.close()]);
    if (server) {
      await server.stop();
      await saveArtifact('safety-server.log', server.output).catch(() => undefined);
    }
    await removeDir(tmp);
  });

  test('a first visit must confirm age and rules once; it is remembered', { timeout: 60_000 }, async () => {
    const gate = C.page.getByRole('checkbox', { name: 'I am 18 or older and I accept the rules' });
    await gate.waitFor();
    assert.equal(await gate.isChecked(), false);
    assert.equal(await button(C.page, 'Text chat').isEnabled(), false);
    assert.equal(await button(C.page, 'Video chat').isEnabled(), false);
    await gate.check();
    assert.equal(await button(C.page, 'Text chat').isEnabled(), true);
    // Next visit: no gate any more, the buttons work at once.
    await C.page.reload();
    await button(C.page, 'Text chat').waitFor();
    assert.equal(await button(C.page, 'Text chat').isEnabled(), true);
    assert.equal(await C.page.getByRole('checkbox', { name: 'I am 18 or older and I accept the rules' }).count(), 0);
  });

  test('a report with a reason ends the chat on both pages; the two are not paired again, a third user is', { timeout: 120_000 }, async () => {
    await button(A.page, 'Text chat').click();
    await button(B.page, 'Text chat').click();
    for (const p of [A, B]) await logHas(p, MATCHED);

    await button(A.page, 'Report stranger').click();
    await A.page.getByLabel('Reason').selectOption('harassment');
    await A.page.getByLabel('Comment (optional)').fill('insults in e2e');
    await button(A.page, 'Send report').click();
    await logHas(A, REPORTED);
    await logHas(B, LEFT);
    assert.equal(await button(A.page, 'Report stranger').isEnabled(), false, 'nothing more to report');

    // Both look for someone new: they keep waiting, even as the only two.
    await button(A.page, 'Next').click();
    await button(B.page, 'Next').click();
    for (const p of [A, B]) {
      await until(`${p.name} searching`, async () => (await statusOf(p.page)) === SEARCHING, { detail: () => statusOf(p.page) });
    }
    await A.page.waitForTimeout(1500);
    for (const p of [A, B]) assert.equal(await statusOf(p.page), SEARCHING, `${p.name} is not paired again`);
    assert.ok(!(await logText(A.page)).includes(MATCHED), 'A met nobody');

    // A third user is paired at once, with the one who waited longest (A).
    await button(C.page, 'Text chat').click();
    await logHas(C, MATCHED);
    await logHas(A, MATCHED);
    await B.page.waitForTimeout(500);
    assert.equal(await statusOf(B.page), SEARCHING, 'B still waits');

    // The report is on record for the operator, with a keyed hash and no address.
    const res = await A.context.request.get(`${server.url}/admin/reports`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status(), 200);
    const { reports } = await res.json();
    assert.equal(reports.length, 1);
    assert.equal(reports[0].reason, 'harassment');
    assert.equal(reports[0].comment, 'insults in e2e');
    assert.match(reports[0].address_key, /^[0-9a-f]{32}$/);
    const metrics = await (await A.context.request.get(`${server.url}/metrics`)).text();
    assert.match(metrics, /parley_reports_total\{reason="harassment"\} 1\n/);
  });
});
