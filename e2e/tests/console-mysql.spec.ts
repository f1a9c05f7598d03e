import { openConsole, runSql } from '../support/console';
import { expect, screenshot, signInLocal, test } from '../support/fixtures';

test('the console on MariaDB: create, insert, select, cancel SLEEP(60), and every statement audited', async ({ page, browser, stack }) => {
  const table = `console_my_${Date.now()}`;
  await signInLocal(page, stack.alice);
  await openConsole(page, stack.mysqlDb, stack.dbName);
  await expect(page.getByTestId('console-status')).toContainText(`${stack.dbUser}@${stack.dbName}`);

  const statements = [
    `create table ${table} (id int primary key, name varchar(20))`,
    `insert into ${table} values (1, 'one'), (2, 'two')`,
    `select id, name from ${table} order by id`,
  ];
  await runSql(page, statements.map((s) => `${s};`).join('\n'));
  await expect(page.getByTestId('console-status')).toContainText('done: 3 statements');
  await page.getByTestId('console-tab-2').click();
  const rows = page.getByTestId('console-grid').getByTestId('console-grid-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText('two');
  await screenshot(page, 'console-mariadb');

  await runSql(page, `select * from ${table} wher id = 1`);
  await expect(page.getByTestId('console-error')).toContainText('You have an error in your SQL syntax');

  await runSql(page, 'select sleep(60)');
  await expect(page.getByTestId('console-status')).toHaveAttribute('data-running', 'true');
  await page.waitForTimeout(300);
  const cancelledAt = Date.now();
  await page.getByTestId('console-cancel').click();
  await expect(page.getByTestId('console-status')).toHaveAttribute('data-running', 'false', { timeout: 5_000 });
  expect(Date.now() - cancelledAt).toBeLessThan(2_000);

  // The audit log has each statement, marked as coming through the web console.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signInLocal(admin, stack.admin);
  await expect(async () => {
    const res = await admin.request.get(`/api/v1/audit/events?event=db.session.query&user=${stack.alice.name}&db=${stack.mysqlDb}&limit=100`);
    expect(res.status()).toBe(200);
    const events = ((await res.json()) as { events: Array<{ db_query: string; access_through?: string }> }).events;
    for (const sql of statements) {
      const found = events.filter((e) => e.db_query === sql);
      expect(found, sql).toHaveLength(1);
      expect(found[0]!.access_through).toBe('web');
    }
  }).toPass({ timeout: 20_000 });
  await adminContext.close();
});

test('a role with read-only console sessions cannot write, enforced by the database', async ({ page, stack }) => {
  await signInLocal(page, stack.readOnly);
  await openConsole(page, stack.allowedDb, stack.dbName);
  await runSql(page, `create table ro_${Date.now()} (id int)`);
  await expect(page.getByTestId('console-error')).toContainText('read-only transaction');
  // Turning the mode off from inside does not help either.
  await runSql(page, 'set default_transaction_read_only = off;\ncreate table ro_escape (id int);');
  await expect(page.getByTestId('console-error')).toBeVisible();
  await runSql(page, "select count(*) from pg_tables where tablename = 'ro_escape'");
  await expect(page.getByTestId('console-grid')).toContainText('0');
  await screenshot(page, 'console-read-only');
});
