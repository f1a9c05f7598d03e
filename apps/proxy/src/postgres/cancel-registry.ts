/** Which agent holds the session behind a (pid, secret key) pair that a client was given. */
export class CancelRegistry {
  private readonly sessions = new Map<string, { hostId: string; database: string }>();

  add(pid: number, key: number, target: { hostId: string; database: string }): () => void {
    const k = `${pid}:${key}`;
    this.sessions.set(k, target);
    return () => {
      if (this.sessions.get(k) === target) this.sessions.delete(k);
    };
  }

  find(pid: number, key: number): { hostId: string; database: string } | undefined {
    return this.sessions.get(`${pid}:${key}`);
  }

  get size(): number {
    return this.sessions.size;
  }
}
