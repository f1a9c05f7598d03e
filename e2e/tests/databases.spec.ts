import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { run } from '@postern/testing';
import type { Page } from '@playwright/test';
import { expect, screenshot, signInLocal, test } from '../support/fixtures';
import { unzipInto } from '../support/unzip';

async function choose(page: Page, testId: string, value: string): Promise<void> {
  const field = page.getByTestId(testId);
  if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
  else await field.fill(value);
}

test('the databases page shows only what the roles allow', async ({ page, stack }) => {
  await signInLocal(page, stack.alice);
  await page.goto('/databases');
  await expect(page.getByTestId(`db-row-${stack.allowedDb}`)).toBeVisible();
  await expect(page.getByTestId(`db-status-${stack.allowedDb}`)).toHaveAttribute('data-status', 'online');
  await expect(page.getByTestId(`db-row-${stack.hiddenDb}`)).toHaveCount(0);
  await screenshot(page, 'databases');

  // The same page lists more for someone whose roles allow more.
  await page.context().clearCookies();
  await signInLocal(page, stack.admin);
  await page.goto('/databases');
  await expect(page.getByTestId(`db-row-${stack.allowedDb}`)).toBeVisible();
  await expect(page.getByTestId(`db-row-${stack.hiddenDb}`)).toBeVisible(); // the built-in admin role allows every database
});

test('a downloaded certificate bundle works with real psql through Postern', async ({ page, stack }) => {
  await signInLocal(page, stack.alice);
  await page.goto('/databases');
  await page.getByTestId(`connect-${stack.allowedDb}`).click();
  await expect(page.getByTestId('connect-form')).toBeVisible();
  await choose(page, 'connect-db-user', stack.dbUser);
  await choose(page, 'connect-db-name', stack.dbName);
  const downloading = page.waitForEvent('download');
  await page.getByTestId('download-bundle').click();
  const download = await downloading;
  const dir = path.join(stack.workDir, 'bundle');
  mkdirSync(dir, { recursive: true });
  const zip = path.join(dir, download.suggestedFilename());
  await download.saveAs(zip);
  const files = unzipInto(zip, dir);
  expect(files.some((f) => f.endsWith('pg_service.conf'))).toBe(true);
  await expect(page.getByTestId('bundle-done')).toBeVisible();
  await screenshot(page, 'connect');

  // The exact command the page shows, run from the unzipped folder.
  const command = (await page.getByTestId('command-psql-service').innerText()).trim();
  const folder = path.join(dir, path.dirname(files.find((f) => f.endsWith('pg_service.conf'))!));
  const r = await run('bash', ['-c', `${command} -X -At -c "select current_user, current_database(), 'e2e-bundle-marker'"`], {
    cwd: folder,
    env: { ...process.env, HOME: folder },
    timeoutMs: 30_000,
  });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.trim()).toBe(`${stack.dbUser}|${stack.dbName}|e2e-bundle-marker`);
});
