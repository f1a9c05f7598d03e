import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { formatIssues } from '@postern/validation';
import { applyEnvironment, type Env } from './env';
import { ConfigError } from './errors';
import { configSchema, type PosternConfig } from './schema';

export interface LoadOptions {
  /** Path of postern.yaml; none: defaults and environment only. */
  file?: string;
  /** --data-dir wins over the file and the environment. */
  dataDir?: string;
  env?: Env;
}

export interface LoadedConfig {
  /** Validated, with agent.demo_database resolved (true without a file, false with one, unless set). */
  config: PosternConfig;
  /** The file it came from, if any. */
  file?: string;
  /** data_dir resolved against the config file's folder (or the working directory). */
  dataDir: string;
}


export function parseConfig(raw: unknown, where = 'configuration', env: Env = {}): PosternConfig {
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError('config_invalid', `invalid configuration in ${where}: expected a mapping of settings at the top level`);
  }
  const merged = applyEnvironment((raw ?? {}) as Record<string, unknown>, env);
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError('config_invalid', `invalid configuration in ${where}: ${formatIssues(result.error.issues)}`);
  return result.data;
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ConfigError('config_unreadable', `cannot read configuration ${file}: ${reason}`);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    throw new ConfigError('config_syntax', `${file}: YAML syntax error: ${first.message}`);
  }
  return doc.toJS();
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const raw = opts.file ? readYaml(opts.file) : {};
  const config = parseConfig(raw, opts.file ?? 'the environment', env);
  if (opts.dataDir) config.data_dir = opts.dataDir;
  // The quickstart (no file) gets its demo database unless told otherwise; with a file, only when asked.
  config.agent.demo_database ??= !opts.file;
  const base = opts.file ? path.dirname(path.resolve(opts.file)) : process.cwd();
  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : path.resolve(base, config.data_dir);
  return { config, file: opts.file, dataDir };
}

/** Splits host:port, [v6]:port included. */
export function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr);
  if (!m) throw new ConfigError('config_invalid', `expected host:port, got "${addr}"`);
  return { host: m[1]!, port: Number(m[2]) };
}
