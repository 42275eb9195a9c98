export * from './errors.ts';
export * from './hashing.ts';
export * from './integrations.ts';
export * from './leads.ts';
export * from './tenancy.ts';
export * from './tracking.ts';
export type { Database, Json } from './database.types.ts';
export * from './conversions.ts';
export * from './meta-ads.ts';
