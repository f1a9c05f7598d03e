/**
 * The add-user form's traits box: one trait per line, `name: value1, value2` (or `=`), the
 * same content as the CLI's --traits "db_users=alice,app;db_names=app".
 */
export function parseTraits(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^([A-Za-z0-9_.-]+)\s*[:=]\s*(.*)$/.exec(line);
    if (!m) throw new Error(`traits, line ${i + 1}: "${line}" is not NAME: VALUE1, VALUE2`);
    const values = m[2]!.split(',').map((v) => v.trim()).filter(Boolean);
    out[m[1]!] = [...(out[m[1]!] ?? []), ...values];
  });
  return out;
}
