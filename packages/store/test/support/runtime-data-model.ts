// The generated client keeps the data model it was generated from (models, fields, column
// names) on every instance as `_runtimeDataModel`; it is not public API, so this is the one
// place that reaches for it, and it fails loudly if a Prisma upgrade moves it.

export interface RuntimeField {
  name: string;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  type: string;
  dbName?: string | null;
}

export interface RuntimeModel {
  dbName: string | null;
  fields: RuntimeField[];
}

export function runtimeDataModel(prisma: object): Record<string, RuntimeModel> {
  const models = (prisma as { _runtimeDataModel?: { models?: Record<string, RuntimeModel> } })._runtimeDataModel?.models;
  if (!models || Object.keys(models).length === 0) {
    throw new Error('the Prisma client no longer exposes _runtimeDataModel; find where this Prisma version keeps it');
  }
  return models;
}

export function tableOf(name: string, model: RuntimeModel): string {
  return model.dbName ?? name;
}

export function columnOf(field: RuntimeField): string {
  return field.dbName ?? field.name;
}

export function scalarFields(model: RuntimeModel): RuntimeField[] {
  return model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum');
}
