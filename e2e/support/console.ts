import type { Page } from '@playwright/test';
import { expect } from './fixtures';

/** Opens the console on a database as the signed-in person, choosing the db name when the roles leave it open. */
export async function openConsole(page: Page, db: string, dbName: string): Promise<void> {
  await page.goto(`/console/${db}`);
  const name = page.getByTestId('console-db-name');
  if ((await name.evaluate((el) => el.tagName)) === 'SELECT') await name.selectOption(dbName);
  else await name.fill(dbName);
  await page.getByTestId('console-connect').click();
  await expect(page.getByTestId('console')).toHaveAttribute('data-state', 'open');
}

/** Types SQL into the editor and runs all of it (Ctrl+Enter). */
export async function runSql(page: Page, sql: string): Promise<void> {
  const editor = page.getByTestId('console-editor');
  await editor.fill(sql);
  await editor.press('Control+Enter');
}
