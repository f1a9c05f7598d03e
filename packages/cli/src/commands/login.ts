import { loginResponse, pingResponse, type LoginResponse } from '@postern/api';
import { createCsr, generateKeyPair, type KeyPair } from '@postern/pki';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { CliError } from '../errors';
import { callApi, normalizeProxyUrl, type ApiTarget } from '../http';
import { posternHome, saveProfile } from '../profile';
import { promptSecret, readStdin } from '../prompt';
import { ssoLogin } from '../sso-login';

interface LoginOptions {
  proxy: string;
  user?: string;
  auth: string;
  passwordStdin?: boolean;
  otp?: string;
  ttl?: string;
  caFile?: string;
  insecure?: boolean;
}

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('sign in and get a user certificate (kept under ~/.postern or POSTERN_HOME)')
    .requiredOption('--proxy <host:port>', 'the Postern proxy (HOST:PORT means https; or a full http(s):// URL)')
    .option('--user <name>', 'user name (default: your login name)')
    .option('--auth <connector>', 'local, or the name of an SSO connector', 'local')
    .option('--password-stdin', 'read the password from standard input')
    .option('--otp <code>', 'the one-time code from your authenticator app')
    .option('--ttl <duration>', 'how long the certificate should last (capped by your roles), e.g. 8h')
    .option('--ca-file <file>', "PEM file with the cluster's host CA, to verify the proxy's TLS certificate")
    .option('--insecure', "do not verify the proxy's TLS certificate (first contact only; not for production)")
    .action(async (opts: LoginOptions) => {
      const target: ApiTarget = {
        url: normalizeProxyUrl(opts.proxy),
        ca: opts.caFile ? readFileSync(opts.caFile, 'utf8') : undefined,
        insecure: opts.insecure,
      };
      if (opts.auth !== 'local') {
        if (opts.user || opts.passwordStdin || opts.otp) {
          throw new CliError(`--auth ${opts.auth} signs in through the identity provider in a browser: leave out --user, --password-stdin and --otp`);
        }
        const { res, key } = await ssoLogin(target, { connector: opts.auth, ttl: opts.ttl });
        saveAndReport(target, res, key);
        return;
      }
      const ping = await callApi(target, 'GET', '/ping', pingResponse);
      const user = opts.user ?? os.userInfo().username;
      const password = opts.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : await promptSecret(`Password for ${user}: `);
      if (!password) throw new CliError('empty password');
      let otp = opts.otp;
      if (ping.second_factor === 'otp' && !otp && !opts.passwordStdin && process.stdin.isTTY) {
        otp = await promptSecret('One-time code: ');
      }
      const key = await generateKeyPair();
      const csr = createCsr(key, user);
      const res = await callApi(target, 'POST', '/login/local', loginResponse, {
        user,
        password,
        csr,
        ...(otp ? { otp } : {}),
        ...(opts.ttl ? { ttl: opts.ttl } : {}),
      });
      saveAndReport(target, res, key);
    });
}

/** The same profile whichever way the person proved who they are. */
function saveAndReport(target: ApiTarget, res: LoginResponse, key: KeyPair): void {
  saveProfile(
    posternHome(),
    { proxy: target.url, user: res.user, roles: res.roles, cluster_name: res.cluster_name, session_token: res.session_token, expires: res.expires },
    key.privateKeyPem,
    res.certificate,
    res.ca,
  );
  console.log(`Logged in as ${res.user} to cluster ${res.cluster_name} (${target.url})`);
  console.log(`  roles:       ${res.roles.join(', ')}`);
  console.log(`  valid until: ${res.expires}`);
}
