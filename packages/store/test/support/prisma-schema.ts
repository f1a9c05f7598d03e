import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

// A reader for the subset of the Prisma schema language that prisma/schema.prisma uses.
// The generated client's runtime data model has names, types and column names but no
// nullability, lists, native types, defaults or indexes, so the schema-agreement test
// reads those from the schema itself. It throws on anything it does not understand, so a
// new construct in the schema cannot slip past the test unread.

export interface SchemaField {
  name: string;
  type: string;
  optional: boolean;
  list: boolean;
  /** Attributes by name without '@' (id, unique, default, updatedAt, map, db.Uuid, relation). */
  attributes: Map<string, string>;
}

export interface SchemaModel {
  name: string;
  fields: SchemaField[];
  /** Block attributes (@@unique, @@index, @@id, @@map) with their argument text. */
  blockAttributes: { name: string; args: string }[];
}

export const SCHEMA_PATH = fileURLToPath(new URL('../../../../prisma/schema.prisma', import.meta.url));

export async function readSchemaModels(path: string = SCHEMA_PATH): Promise<SchemaModel[]> {
  return parseModels(await readFile(path, 'utf8'));
}

export function parseModels(text: string): SchemaModel[] {
  const models: SchemaModel[] = [];
  let current: SchemaModel | undefined;
  let skipping = false; // inside generator/datasource/enum blocks
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (line === '') continue;
    if (current === undefined && !skipping) {
      const model = /^model\s+(\w+)\s*\{$/.exec(line);
      if (model?.[1]) {
        current = { name: model[1], fields: [], blockAttributes: [] };
        continue;
      }
      if (/^(generator|datasource)\s+\w+\s*\{$/.test(line)) {
        skipping = true;
        continue;
      }
      throw new Error(`prisma-schema: cannot read "${line}" (enums, views and types are not supported yet)`);
    }
    if (line === '}') {
      if (current) models.push(current);
      current = undefined;
      skipping = false;
      continue;
    }
    if (skipping || current === undefined) continue;
    const block = /^@@(\w+)(?:\((.*)\))?$/.exec(line);
    if (block?.[1]) {
      current.blockAttributes.push({ name: block[1], args: block[2] ?? '' });
      continue;
    }
    current.fields.push(parseField(line));
  }
  return models;
}

function parseField(line: string): SchemaField {
  const match = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
  if (!match?.[1] || !match[2]) throw new Error(`prisma-schema: cannot read field "${line}"`);
  const attributes = new Map<string, string>();
  let rest = match[5] ?? '';
  while (rest.length > 0) {
    const attr = /^@([\w.]+)/.exec(rest);
    if (!attr?.[1]) throw new Error(`prisma-schema: cannot read attributes "${rest}" of "${line}"`);
    rest = rest.slice(attr[0].length);
    let args = '';
    if (rest.startsWith('(')) {
      const end = closingParen(rest);
      args = rest.slice(1, end);
      rest = rest.slice(end + 1);
    }
    attributes.set(attr[1], args);
    rest = rest.trimStart();
  }
  return { name: match[1], type: match[2], list: match[3] === '[]', optional: match[4] === '?', attributes };
}

function closingParen(text: string): number {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    if (c === ')' && --depth === 0) return i;
  }
  throw new Error(`prisma-schema: unbalanced parentheses in "${text}"`);
}

/** The field names in `[a, b]` or `fields: [a, b]` of an attribute's arguments. */
export function listArg(args: string, key?: string): string[] {
  const pattern = key ? new RegExp(`${key}\\s*:\\s*\\[([^\\]]*)\\]`) : /^\s*\[([^\]]*)\]/;
  const found = pattern.exec(args);
  if (!found) return [];
  return (found[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** A `key: Value` argument such as onDelete: Cascade. */
export function namedArg(args: string, key: string): string | undefined {
  return new RegExp(`${key}\\s*:\\s*(\\w+)`).exec(args)?.[1];
}

/** The string in @map("x") / @@map("x"). */
export function stringArg(args: string): string | undefined {
  return /^\s*"([^"]*)"/.exec(args)?.[1];
}
