import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CaBundle } from '@postern/api';
import { z } from 'zod';
import { removeClientConfigs } from './db/client-config';
import { CliError } from './errors';
import type { ApiTarget } from './http';

/** ~/.postern, or POSTERN_HOME: a profile and its keys, readable by the user alone. */
export function posternHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.POSTERN_HOME ? path.resolve(env.POSTERN_HOME) : path.join(os.homedir(), '.postern');
}

const profileSchema = z.object({
  proxy: z.string(),
  user: z.string(),
  roles: z.array(z.string()),
  cluster_name: z.string(),
  session_token: z.string(),
  expires: z.string(),
});
export type Profile = z.infer<typeof profileSchema>;

export interface ProfileFiles {
  dir: string;
  profile: string;
  key: string;
  cert: string;
  cas: { user: string; host: string; db_client: string };
}

export function profileFiles(home = posternHome()): ProfileFiles {
  return {
    dir: home,
    profile: path.join(home, 'profile.json'),
    key: path.join(home, 'keys', 'user.key'),
    cert: path.join(home, 'keys', 'user.crt'),
    cas: {
      user: path.join(home, 'keys', 'cas', 'user.pem'),
      host: path.join(home, 'keys', 'cas', 'host.pem'),
      db_client: path.join(home, 'keys', 'cas', 'db_client.pem'),
    },
  };
}

function writePrivate(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function saveProfile(home: string, p: Profile, keyPem: string, certPem: string, ca: CaBundle): void {
  const f = profileFiles(home);
  writePrivate(f.key, keyPem);
  writePrivate(f.cert, certPem);
  writePrivate(f.cas.user, ca.user.join('\n'));
  writePrivate(f.cas.host, ca.host.join('\n'));
  writePrivate(f.cas.db_client, ca.db_client.join('\n'));
  writePrivate(f.profile, JSON.stringify(p, null, 2) + '\n');
}

export function loadProfile(home = posternHome()): Profile | null {
  const f = profileFiles(home);
  if (!existsSync(f.profile)) return null;
  const parsed = profileSchema.safeParse(JSON.parse(readFileSync(f.profile, 'utf8')));
  if (!parsed.success) throw new CliError(`${f.profile} is damaged: run \`postern login\` again`);
  return parsed.data;
}

/** The profile, or an error that tells what to do; an expired one is refused too. */
export function requireProfile(home = posternHome()): Profile {
  const p = loadProfile(home);
  if (!p) throw new CliError('not logged in: run `postern login --proxy HOST:PORT`');
  if (new Date(p.expires).getTime() <= Date.now()) {
    throw new CliError(`your session expired at ${p.expires}: run \`postern login --proxy ${p.proxy}\``);
  }
  return p;
}

export function apiTargetFor(p: Profile, home = posternHome()): ApiTarget {
  const hostCa = profileFiles(home).cas.host;
  return {
    url: p.proxy,
    ca: existsSync(hostCa) ? readFileSync(hostCa, 'utf8') : undefined,
    authorization: `Bearer ${p.session_token}`,
  };
}

export function removeProfile(home = posternHome()): void {
  const f = profileFiles(home);
  // The database sections would point at the keys deleted below.
  removeClientConfigs(home, null);
  rmSync(f.profile, { force: true });
  rmSync(path.join(home, 'keys'), { recursive: true, force: true });
}
