/** What global-setup started, for the tests: addresses, people and files. */
export interface StackUser {
  name: string;
  password: string;
  totpSecret: string;
}

export interface StackState {
  /** https://localhost:PORT — the proxy's public port, which serves the web app. */
  url: string;
  proxyAddr: string;
  hostCaFile: string;
  /** A folder the tests may write into (downloads, psql homes). */
  workDir: string;
  screenshotDir: string;
  admin: StackUser;
  alice: StackUser;
  /** Same databases as alice, through a role whose console sessions are read-only. */
  readOnly: StackUser;
  /** Databases alice's role allows, and one it does not. */
  allowedDb: string;
  hiddenDb: string;
  /** A MariaDB database alice's role allows (db user alice, db name app). */
  mysqlDb: string;
  dbUser: string;
  dbName: string;
  /** The identity providers' users and the CSS selectors of their login forms. */
  oidc: { connector: string; login: string; email: string; unmappedLogin: string; form: { login: string; password: string; submit: string } };
  saml: { connector: string; login: string; password: string; email: string; form: { username: string; password: string; submit: string } };
}

export const STATE_ENV = 'POSTERN_E2E_STATE';

export function stackState(): StackState {
  const raw = process.env[STATE_ENV];
  if (!raw) throw new Error(`${STATE_ENV} is not set: run the e2e tests with \`npx playwright test -c e2e\`, whose global setup starts the cluster`);
  return JSON.parse(raw) as StackState;
}
