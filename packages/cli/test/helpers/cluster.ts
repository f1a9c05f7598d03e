import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, run, type RunResult } from '@postern/testing';
import { stringify } from 'yaml';

export const POSTERN_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/postern.js');

export interface Cluster {
  url: string;
  dataDir: string;
  configFile: string;
  /** Runs the real CLI; `home` is its POSTERN_HOME. */
  postern(args: string[], opts?: { input?: string; home?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  /** A fresh POSTERN_HOME for one person. */
  newHome(): string;
  /** The temporary folder that holds the data dir, homes and configs; removed by stop(). */
  root: string;
  logs(): string;
  /** Stops and starts the process again on the same config and data dir. */
  restart(): Promise<void>;
  stop(): Promise<number | null>;
}

function waitForReady(child: ChildProcess, logs: { text: string }, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`postern start was not ready within ${timeoutMs} ms:\n${logs.text}`)), timeoutMs);
    const onData = () => {
      const ready = /^.*"msg":"postern ready".*$/m.exec(logs.text)?.[0];
      // A process with web prints its summary on stdout (one write) before it logs ready
      // on stderr, but the two pipes may be read in either order.
      if (ready && (!ready.includes('"web":') || logs.text.includes('Postern is running'))) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`postern start exited with ${code} before it was ready:\n${logs.text}`));
    });
  });
}

export interface PosternProcess {
  logs(): string;
  /** Resolves with the exit code once the process has ended, by itself or by stop(). */
  exited: Promise<number | null>;
  /** SIGTERM (clean shutdown; resolves with the exit code) or SIGKILL (a crash). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
}

/** Runs `postern start --config FILE` until it logs `postern ready`. */
export async function startPosternProcess(configFile: string, config: Record<string, unknown>): Promise<PosternProcess> {
  writeFileSync(configFile, stringify(config));
  return startPostern(['--config', configFile]);
}

/** Runs `postern start ARGS…` (with `env` over the test's environment) until it logs `postern ready`. */
export async function startPostern(args: string[], env: NodeJS.ProcessEnv = {}): Promise<PosternProcess> {
  const logs = { text: '' };
  const child = spawn(process.execPath, [POSTERN_BIN, 'start', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, POSTERN_LOG_LEVEL: 'info', ...env },
  });
  child.stdout!.on('data', (d: Buffer) => (logs.text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (logs.text += d.toString()));
  // 'close', not 'exit': by then the pipes are drained, so logs() holds its last words.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(killer);
    return code;
  };
  try {
    await waitForReady(child, logs, 120_000);
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
  return { logs: () => logs.text, exited, stop };
}

/** Starts `postern start` as a real process on free loopback ports, with its own data dir. */
export async function startCluster(overrides: Record<string, unknown> = {}): Promise<Cluster> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'postern-cluster-'));
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  const config = {
    cluster_name: 'test',
    data_dir: dataDir,
    auth: { second_factor: 'otp' },
    web: { enabled: true, listen: `127.0.0.1:${port}` },
    proxy: { enabled: false },
    agent: { enabled: false },
    ...overrides,
  };
  const configFile = path.join(root, 'postern.yaml');
  let proc = await startPosternProcess(configFile, config).catch((err: unknown) => {
    rmSync(root, { recursive: true, force: true });
    throw err;
  });
  let homes = 0;
  // A caller that sets web.listen itself (e.g. to add web.public_url) reaches web there.
  const webListen = (config.web as { listen?: string }).listen ?? `127.0.0.1:${port}`;
  return {
    url: `http://${webListen}`,
    dataDir,
    configFile,
    root,
    postern: (args, opts = {}) =>
      run(process.execPath, [POSTERN_BIN, ...args], {
        input: opts.input,
        env: { ...process.env, POSTERN_HOME: opts.home ?? path.join(root, 'home-default'), ...opts.env },
        timeoutMs: 60_000,
      }),
    newHome: () => path.join(root, `home-${++homes}`),
    logs: () => proc.logs(),
    async restart() {
      await proc.stop();
      proc = await startPosternProcess(configFile, config);
    },
    async stop() {
      const code = await proc.stop();
      rmSync(root, { recursive: true, force: true });
      return code;
    },
  };
}
