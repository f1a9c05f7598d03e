import { expect, screenshot, signInLocal, test } from '../support/fixtures';

test('a local user signs in with password and one-time code, and signs out', async ({ page, stack }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await screenshot(page, 'login');
  await signInLocal(page, stack.alice);
  await expect(page).toHaveURL(/\/databases/);

  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'postern_session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.secure).toBe(true);
  expect(session?.sameSite).toBe('Lax');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  // The old cookie is revoked server-side, not only forgotten by the browser.
  const res = await page.request.get('/api/v1/whoami', { headers: { cookie: `postern_session=${session!.value}` } });
  expect(res.status()).toBe(401);
});

test('a wrong one-time code is refused with a message', async ({ page, stack }) => {
  await page.goto('/login');
  await page.getByLabel('User').fill(stack.alice.name);
  await page.getByLabel('Password').fill(stack.alice.password);
  await page.getByLabel('One-time code').fill('000000');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('login-error')).toContainText('invalid user name, password or one-time code');
});
