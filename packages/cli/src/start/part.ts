/** One thing `postern start` runs (web, proxy, demo database, agent), stopped in reverse order. */
export interface Part {
  name: string;
  close(): Promise<void>;
}
