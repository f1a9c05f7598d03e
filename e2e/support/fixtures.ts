import { test as base, expect, type Page } from '@playwright/test';
import path from 'node:path';
import { TOTP } from 'otpauth';
import { stackState, type StackState, type StackUser } from './stack-state';

export function totpNow(secret: string): string {
  return new TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' }).generate();
}

/** Signs in through the login page the way a person does. */
export async function signInLocal(page: Page, user: StackUser, next = '/databases'): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('User').fill(user.name);
  await page.getByLabel('Password').fill(user.password);
  await page.getByLabel('One-time code').fill(totpNow(user.totpSecret));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-user')).toContainText(user.name);
}

/** A full-page screenshot in the folder the run names, for a reviewer. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(stackState().screenshotDir, `${name}.png`), fullPage: true });
}

// Playwright reads a fixture's dependencies from its destructuring pattern, so `{}` is required.
/* eslint-disable no-empty-pattern */
export const test = base.extend<{ stack: StackState }>({
  stack: async ({}, use) => use(stackState()),
  baseURL: async ({}, use) => use(stackState().url),
});
/* eslint-enable no-empty-pattern */

export { expect };
