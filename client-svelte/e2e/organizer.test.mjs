// The library with an organizer plugin (basic_folders, the real binary run by the real
// server): create a folder, upload, drag the media onto the folder, open it and find it
// there; back and forward move between the pages.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { artifacts, basicFoldersBin, makeClip, openAs, shot, startServer, tempDir, until } from './harness.mjs';

const TIMEOUT = { timeout: 90_000 };
let server;
let carol;

function step(name, fn) {
  it(name, TIMEOUT, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
      await carol?.page.screenshot({ path: `${artifacts}/FAILED-organizer-${slug}.png` }).catch(() => undefined);
      throw e;
    }
  });
}

// The mock server has no organizer plugins.
describe('organizer folders', { skip: !!process.env.DAILIES_E2E_MOCK && 'the mock server runs no plugin' }, () => {
  before(async () => {
    if (!existsSync(basicFoldersBin)) {
      throw new Error(`${basicFoldersBin} is missing: run cargo build -p organizer-sdk --example basic_folders`);
    }
    server = await startServer({ organizerCmd: basicFoldersBin });
    carol = await openAs('carol', 'Carol');
  });

  after(async () => {
    if (carol?.errors.length) console.log(`# browser errors:\n#   ${carol.errors.join('\n#   ')}`);
    await carol?.close();
    await server?.stop();
  });

  step('creates a folder, moves an upload into it by drag and drop, and opens it', async () => {
    const { page } = carol;
    await page.goto(`${server.url}/#/`);
    const crumbs = page.locator('[data-testid=breadcrumbs]');
    await crumbs.waitFor({ timeout: 20_000 });
    assert.match(await crumbs.textContent(), /My media/);

    // A folder, named in the plugin's prompt.
    await page.locator('[data-testid=page-action-create_folder]').click();
    await page.locator('[data-testid=prompt-name]').fill('Shots');
    await page.locator('[data-testid=organizer-prompt] button[type=submit]').click();
    const folder = page.locator('[data-testid=folder-tile]', { hasText: 'Shots' });
    await folder.waitFor({ timeout: 10_000 });
    assert.match(await folder.textContent(), /Shots\s*0/);

    // An upload lands at the top level (the folder the user has open).
    const clip = makeClip(tempDir(), { name: 'folder-clip.mp4' });
    await page.setInputFiles('[data-testid=file-input]', clip);
    const card = page.locator('[data-testid=media-card]', { hasText: 'folder-clip' });
    await card.waitFor({ timeout: 30_000 });
    const id = await card.getAttribute('data-id');

    // Drag it onto the folder: it leaves this page and the folder counts it.
    await card.dragTo(folder);
    await until(async () => (await page.locator(`[data-testid=media-card][data-id="${id}"]`).count()) === 0, { what: 'the card to leave the top page' });
    await until(async () => /Shots\s*1/.test(await folder.textContent()), { what: 'the folder to count one item' });
    await shot(page, 'organizer-top-after-drop');

    // Open the folder: the path is in the URL, the breadcrumbs show it, the media is there.
    await folder.locator('a').click();
    await until(async () => /path=%2Ff%2F/.test(page.url()), { what: 'the folder path in the URL' });
    await until(async () => /My media\s*›\s*Shots/.test(await crumbs.textContent()), { what: 'the breadcrumbs of the folder' });
    await page.locator(`[data-testid=media-card][data-id="${id}"]`).waitFor({ timeout: 10_000 });
    await shot(page, 'organizer-folder');

    // Back: the top page again, without the media; forward: the folder.
    await page.goBack();
    await page.locator('[data-testid=folder-tile]', { hasText: 'Shots' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator(`[data-testid=media-card][data-id="${id}"]`).count(), 0);
    await page.goForward();
    await page.locator(`[data-testid=media-card][data-id="${id}"]`).waitFor({ timeout: 10_000 });

    // The breadcrumb leads back to the top, a reload keeps the page.
    await page.reload();
    await page.locator(`[data-testid=media-card][data-id="${id}"]`).waitFor({ timeout: 20_000 });
    await crumbs.locator('a', { hasText: 'My media' }).click();
    await page.locator('[data-testid=folder-tile]', { hasText: 'Shots' }).waitFor({ timeout: 10_000 });
    assert.deepEqual(carol.errors, []);
  });

  step('moves media with the keyboard: the card menu\'s move action and its folder prompt', async () => {
    const { page } = carol;
    // Back into the folder, where the clip is.
    await page.locator('[data-testid=folder-tile] a', { hasText: 'Shots' }).focus();
    await page.keyboard.press('Enter');
    const card = page.locator('[data-testid=media-card]', { hasText: 'folder-clip' });
    await card.waitFor({ timeout: 10_000 });
    await card.getByRole('button', { name: /More actions/ }).focus();
    await page.keyboard.press('Enter');
    await card.getByRole('menuitem', { name: 'Move to folder…' }).focus();
    await page.keyboard.press('Enter');
    const select = page.locator('[data-testid=prompt-folder]');
    await select.waitFor();
    await select.selectOption({ label: 'Top level' });
    await page.locator('[data-testid=organizer-prompt] button[type=submit]').focus();
    await page.keyboard.press('Enter');
    await until(async () => (await card.count()) === 0, { what: 'the clip to leave the folder' });
    await page.locator('[data-testid=breadcrumbs] a', { hasText: 'My media' }).click();
    await page.locator('[data-testid=media-card]', { hasText: 'folder-clip' }).waitFor({ timeout: 10_000 });
    assert.match(await page.locator('[data-testid=folder-tile]', { hasText: 'Shots' }).textContent(), /Shots\s*0/);
  });

  step('shows the plugin\'s error message', async () => {
    const { page } = carol;
    await page.locator('[data-testid=page-action-create_folder]').click();
    await page.locator('[data-testid=prompt-name]').fill('   ');
    await page.locator('[data-testid=organizer-prompt] button[type=submit]').click();
    const err = page.locator('[data-testid=organizer-error]');
    await err.waitFor({ timeout: 10_000 });
    assert.match(await err.textContent(), /folder name has 1 to 120 characters/);
  });
});
