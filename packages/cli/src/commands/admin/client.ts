import { existsSync } from 'node:fs';
import { adminIdentityPath, readAdminIdentity, type AdminIdentityFile } from '@postern/auth/admin-identity';
import { loadConfig } from '@postern/config';
import type { Command } from 'commander';
import { CliError } from '../../errors';
import type { ApiTarget } from '../../http';

export interface AdminTarget extends ApiTarget {
  identity: AdminIdentityFile;
}

/**
 * `postern admin` talks to the running Auth Service with the identity `postern start`
 * left in the data dir (PGlite admits one process, so the store cannot be opened here).
 */
export function adminTarget(cmd: Command): AdminTarget {
  const opts = cmd.optsWithGlobals<{ config?: string; dataDir?: string }>();
  const { dataDir } = loadConfig({ file: opts.config, dataDir: opts.dataDir });
  const file = adminIdentityPath(dataDir);
  if (!existsSync(file)) {
    throw new CliError(`no admin identity in ${dataDir}: run this on the host where \`postern start\` runs, with the same --config or --data-dir`);
  }
  const identity = readAdminIdentity(dataDir);
  return { url: identity.url, authorization: `Bearer ${identity.token}`, identity };
}
