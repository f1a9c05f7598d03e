import { openConsole, runSql } from '../support/console';
import { expect, screenshot, signInLocal, test } from '../support/fixtures';

test('the SQL console creates, inserts, selects, shows errors and cancels', async ({ page, stack }) => {
  const table = `console_e2e_${Date.now()}`;
  await signInLocal(page, stack.alice);
  await openConsole(page, stack.allowedDb, stack.dbName);
  await expect(page.getByTestId('console-status')).toContainText(`${stack.dbUser}@${stack.dbName}`);

  // Three statements, a result tab each; the grid shows the rows.
  await runSql(page, `create table ${table} (id int primary key, name text);\ninsert into ${table} values (1, 'one'), (2, 'two'), (3, null);\nselect id, name from ${table} order by id;`);
  await expect(page.getByTestId('console-status')).toContainText('done: 3 statements');
  await page.getByTestId('console-tab-1').click();
  await expect(page.getByTestId('console-result-summary')).toContainText('INSERT 3');
  await page.getByTestId('console-tab-2').click();
  await expect(page.getByTestId('console-result-summary')).toContainText('3 rows');
  const grid = page.getByTestId('console-grid');
  await expect(grid.getByTestId('console-grid-row')).toHaveCount(3);
  await expect(grid.getByTestId('console-grid-row').nth(1)).toContainText('two');
  await expect(grid.getByTestId('console-grid-row').nth(2)).toContainText('NULL');
  await screenshot(page, 'console-select');

  // An error says what and where, and the editor's cursor goes there.
  await runSql(page, `select 1;\nselect * fro ${table}`);
  await expect(page.getByTestId('console-error')).toContainText('syntax error at or near "fro"');
  await expect(page.getByTestId('console-error')).toContainText('line 2, column 10');
  expect(await page.getByTestId('console-editor').evaluate((el: HTMLTextAreaElement) => el.selectionStart)).toBe('select 1;\nselect * '.length);
  await screenshot(page, 'console-error');

  // Only the statement under the cursor.
  await page.getByTestId('console-editor').fill('select 41;\nselect 42;');
  await page.getByTestId('console-editor').evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(14, 14));
  await page.getByTestId('console-run-statement').click();
  await expect(page.getByTestId('console-grid')).toContainText('42');
  await expect(page.getByTestId('console-tabs')).toHaveCount(0);

  // Cancel stops a statement that would run a minute.
  await runSql(page, 'select pg_sleep(60)');
  await expect(page.getByTestId('console-status')).toHaveAttribute('data-running', 'true');
  await page.waitForTimeout(300);
  const cancelledAt = Date.now();
  await page.getByTestId('console-cancel').click();
  await expect(page.getByTestId('console-error')).toContainText('canceling statement due to user request', { timeout: 5_000 });
  expect(Date.now() - cancelledAt).toBeLessThan(2_000);

  // A large result: the first rows at once, more as the grid scrolls.
  await runSql(page, 'select g, md5(g::text) from generate_series(1, 100000) g');
  await expect(grid).toHaveAttribute('data-rows', '200');
  for (let i = 0; i < 3; i++) {
    await grid.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForTimeout(300);
  }
  expect(Number(await grid.getAttribute('data-rows'))).toBeGreaterThan(200);
  await screenshot(page, 'console-large');

  // The history keeps what ran.
  await page.getByTestId('console-history-toggle').click();
  await expect(page.getByTestId('console-history-entry').first()).toContainText('generate_series');
});

test('the console refuses a database the roles do not allow, at the ticket and at the WebSocket', async ({ page, stack }) => {
  await signInLocal(page, stack.alice);
  const hidden = await page.goto(`/console/${stack.hiddenDb}`);
  expect(hidden?.status()).toBe(404);

  await page.goto(`/console/${stack.allowedDb}`);
  const csrf = await page.locator('meta[name="postern-csrf"]').getAttribute('content');
  const ticket = await page.request.post('/api/v1/console/tickets', {
    data: { db_service: stack.hiddenDb, db_user: stack.dbUser, db_name: stack.dbName },
    headers: { 'x-csrf-token': csrf ?? '' },
  });
  expect(ticket.status()).toBe(404);

  // Without a valid ticket the proxy refuses the WebSocket before it opens.
  const outcome = await page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`wss://${location.host}/api/v1/console/ws?ticket=forged`);
        ws.onopen = () => resolve('open');
        ws.onclose = (e) => resolve(`closed ${e.code}`);
      }),
  );
  expect(outcome).toBe('closed 1006');
});
