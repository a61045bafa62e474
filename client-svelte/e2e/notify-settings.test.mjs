// The notification settings page, reached from the bell: an address and a mail mode per kind
// of event, saved on the server and there again after a reload.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openAs, shot, startServer, until } from './harness.mjs';

let server;
let alice;

describe('notification settings', () => {
  before(async () => {
    server = await startServer();
    alice = await openAs('alice', 'Alice');
  });
  after(async () => {
    await alice?.close();
    await server?.stop();
  });

  it('saves an address and a digest choice from the page the bell links to', { timeout: 60_000 }, async () => {
    const page = alice.page;
    await page.goto(`${server.url}/`);
    await page.locator('[data-testid=notifications-button]').click();
    await page.locator('[data-testid=notification-settings-link]').click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    // No SMTP server is configured here: the page says so, and keeps the choices anyway.
    await page.locator('[data-testid=mail-disabled]').waitFor();

    const row = page.locator('[data-testid^=pref-]').first();
    const kind = (await row.getAttribute('data-testid')).slice('pref-'.length);
    await page.locator('[data-testid=notify-email]').fill('alice@studio.example');
    await row.getByRole('radio', { name: /Daily digest$/ }).check();
    await page.locator('[data-testid=notify-save]').click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    const saved = await page.evaluate(async () => (await fetch('/api/notify/settings')).json());
    assert.equal(saved.email, 'alice@studio.example');
    assert.equal(saved.prefs.find((p) => p.kind === kind)?.mode, 'daily', JSON.stringify(saved.prefs));

    await page.reload();
    await page.locator('[data-testid=notify-email]').waitFor();
    await until(async () => (await page.locator('[data-testid=notify-email]').inputValue()) === 'alice@studio.example', {
      what: 'the saved address after a reload',
    });
    assert.equal(await page.locator(`[data-testid=pref-${kind}]`).getByRole('radio', { name: /Daily digest$/ }).isChecked(), true);
    await shot(page, '50-notification-settings');
  });
});
