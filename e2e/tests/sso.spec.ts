import { expect, screenshot, test } from '../support/fixtures';

test('sign in through the OpenID Provider', async ({ page, stack }) => {
  await page.goto('/login');
  await page.getByRole('link', { name: `Sign in with ${stack.oidc.connector}` }).click();
  await page.locator(stack.oidc.form.login).fill(stack.oidc.login);
  await page.locator(stack.oidc.form.password).fill('any password');
  await page.locator(stack.oidc.form.submit).click();
  await expect(page).toHaveURL(/\/databases/);
  await expect(page.getByTestId('signed-in-user')).toContainText(stack.oidc.email);
  await expect(page.getByTestId('signed-in-user')).toContainText('dev');
  // The groups claim mapped to the dev role: the dev database, not the prod one.
  await expect(page.getByTestId(`db-row-${stack.allowedDb}`)).toBeVisible();
  await expect(page.getByTestId(`db-row-${stack.hiddenDb}`)).toHaveCount(0);
  await screenshot(page, 'databases-oidc-user');
});

test('sign in through the SAML IdP', async ({ page, stack }) => {
  await page.goto('/login');
  await page.getByRole('link', { name: `Sign in with ${stack.saml.connector}` }).click();
  await page.locator(stack.saml.form.username).fill(stack.saml.login);
  await page.locator(stack.saml.form.password).fill(stack.saml.password);
  await page.locator(stack.saml.form.submit).click();
  await expect(page).toHaveURL(/\/databases/);
  await expect(page.getByTestId('signed-in-user')).toContainText(stack.saml.email);
  const who = await page.request.get('/api/v1/whoami');
  expect(who.status()).toBe(200);
  expect(await who.json()).toMatchObject({ user: stack.saml.email, roles: ['dev'], session_kind: 'web' });
});

test('someone the claims map to no role is refused with a page that says why', async ({ page, stack }) => {
  await page.goto('/login');
  await page.getByRole('link', { name: `Sign in with ${stack.oidc.connector}` }).click();
  await page.locator(stack.oidc.form.login).fill(stack.oidc.unmappedLogin);
  await page.locator(stack.oidc.form.password).fill('any password');
  await page.locator(stack.oidc.form.submit).click();
  await expect(page).toHaveURL(/\/login\/refused/);
  await expect(page.locator('main')).toContainText('guests');
  await screenshot(page, 'login-refused');
  expect((await page.request.get('/api/v1/whoami')).status()).toBe(401);
});
