import { expect, screenshot, signInLocal, test } from '../support/fixtures';

const ADMIN_PAGES = ['users', 'roles', 'tokens', 'connectors', 'agents'];

test('someone who is not an admin gets 403 from admin pages and APIs', async ({ page, stack }) => {
  await signInLocal(page, stack.alice);
  const csrf = await page.locator('meta[name="postern-csrf"]').getAttribute('content');
  expect(csrf).toBeTruthy();
  for (const name of ADMIN_PAGES) {
    const res = await page.goto(`/admin/${name}`);
    expect(res?.status(), `/admin/${name}`).toBe(403);
  }
  await screenshot(page, 'admin-forbidden');
  for (const path of ['/api/v1/admin/users', '/api/v1/admin/roles', '/api/v1/admin/tokens', '/api/v1/admin/agents', '/api/v1/admin/connectors']) {
    expect((await page.request.get(path)).status(), path).toBe(403);
  }
  // A state change with a valid session, CSRF token and origin: refused for the role alone.
  const add = await page.request.post('/api/v1/admin/users', {
    headers: { 'x-csrf-token': csrf!, origin: stack.url },
    data: { name: 'mallory', roles: ['admin'] },
  });
  expect(add.status()).toBe(403);
  expect((await add.json()).error.message).toContain('do not allow');
});

test('an admin reaches every admin page', async ({ page, stack }) => {
  await signInLocal(page, stack.admin);
  for (const name of ADMIN_PAGES) {
    const res = await page.goto(`/admin/${name}`);
    expect(res?.status(), `/admin/${name}`).toBe(200);
    await screenshot(page, `admin-${name}`);
  }
  await expect(page.getByTestId('agent-row-e2e-agent')).toContainText(stack.allowedDb);
  await page.goto('/admin/users');
  await expect(page.getByTestId(`user-row-${stack.alice.name}`)).toBeVisible();
});
