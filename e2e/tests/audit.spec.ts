import { expect, screenshot, signInLocal, test } from '../support/fixtures';
import { psqlAs } from '../support/native-client';

test('the audit page finds a query just run, by its text and by user', async ({ page, stack }) => {
  const marker = `e2e_audit_${Date.now()}`;
  const r = await psqlAs(stack, stack.alice, `select '${marker}' as marker`);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.trim()).toBe(marker);

  await signInLocal(page, stack.admin);
  await page.goto('/audit');
  await page.getByTestId('audit-filter-query').fill(marker);
  await page.getByTestId('audit-filter-user').fill(stack.alice.name);
  // The agent delivers audit in batches; search again until the event has arrived.
  const row = page.getByTestId('audit-row').filter({ hasText: marker });
  await expect(async () => {
    await page.getByTestId('audit-search').click();
    // The filters land in the page's URL (a search is a link), and the server answers it.
    await expect(page).toHaveURL(new RegExp(`query=${marker}`), { timeout: 2_000 });
    await expect(row.first()).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-event', 'db.session.query');
  await expect(page).toHaveURL(new RegExp(`user=${stack.alice.name}`));
  await screenshot(page, 'audit-search');

  // Searching by someone else finds nothing.
  await page.getByTestId('audit-filter-user').fill(stack.admin.name);
  await page.getByTestId('audit-search').click();
  await expect(page.getByTestId('audit-empty')).toBeVisible();

  // Detail view: the event's JSON.
  await page.goBack();
  await row.getByTestId('audit-row-link').click();
  await expect(page.getByTestId('audit-event-json')).toContainText(marker);
  await expect(page.getByTestId('audit-event-json')).toContainText('"db_user": "alice"');
  await screenshot(page, 'audit-event');

  // Session view: the session's events in order, start to end.
  await page.getByTestId('audit-event-session').click();
  const events = page.getByTestId('audit-session-table').getByTestId('audit-row');
  await expect(events.first()).toHaveAttribute('data-event', 'db.session.start');
  await expect(page.getByTestId('audit-session-table')).toContainText(marker);
  await screenshot(page, 'audit-session');
});
