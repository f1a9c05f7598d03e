import { loadConfig } from '@postern/config';
import { createLogger } from '@postern/log';
import type { Command } from 'commander';

interface Part {
  name: string;
  close(): Promise<void>;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run what the config enables: web (UI + Auth Service), proxy, agent')
    .option('-c, --config <file>', 'postern.yaml (default: the embedded default)')
    .option('-d, --data-dir <dir>', 'where the store, CAs and keys live (default ./.postern)')
    .action(async (opts: { config?: string; dataDir?: string }) => {
      const log = createLogger('start');
      const loaded = loadConfig({ file: opts.config, dataDir: opts.dataDir });
      const { config } = loaded;
      const parts: Part[] = [];
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down');
        for (const part of parts.reverse()) {
          await part.close().catch((err: unknown) => log.error({ err, part: part.name }, 'shutdown failed'));
        }
        log.info('stopped');
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));

      const addresses: Record<string, string> = {};
      try {
        if (config.web.enabled) {
          // `start` is the composition root of the processes, so it alone loads the apps.
          const { startWeb } = await import('@postern/web/server');
          const web = await startWeb(loaded);
          parts.push({ name: 'web', close: () => web.close() });
          addresses.web = web.url;
          const first = await web.auth.firstAdminLink();
          console.log(`Postern is running (cluster ${config.cluster_name}, data in ${loaded.dataDir}).`);
          console.log(`  Web UI and API: ${web.publicUrl}`);
          console.log(`  Sign in:        postern login --proxy ${web.publicUrl} --user NAME`);
          if (first) {
            console.log(`  First admin:    open ${first.url}`);
            console.log(`                  to set the password of user "${first.user}" (link valid until ${first.expires.toISOString()})`);
          }
        }
        for (const part of ['proxy', 'agent'] as const) {
          if (config[part].enabled) log.warn({ part }, `${part}: not part of this release yet; skipped`);
        }
      } catch (err) {
        for (const part of parts.reverse()) await part.close().catch(() => undefined);
        throw err;
      }
      log.info(addresses, 'postern ready');
    });
}
