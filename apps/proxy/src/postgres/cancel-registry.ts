/** Both numbers as unsigned 32-bit, however a parser read them. */
function id(pid: number, key: number): string {
  return `${pid >>> 0}:${key >>> 0}`;
}

/** Which agent holds the session behind a (pid, secret key) pair that a client was given. */
export class CancelRegistry {
  private readonly sessions = new Map<string, { hostId: string; database: string }>();

  add(pid: number, key: number, target: { hostId: string; database: string }): () => void {
    const k = id(pid, key);
    this.sessions.set(k, target);
    return () => {
      if (this.sessions.get(k) === target) this.sessions.delete(k);
    };
  }

  find(pid: number, key: number): { hostId: string; database: string } | undefined {
    return this.sessions.get(id(pid, key));
  }

  get size(): number {
    return this.sessions.size;
  }
}
