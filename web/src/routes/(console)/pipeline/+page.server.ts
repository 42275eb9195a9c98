import { requireModule } from '#lib/server/require-module.ts';

export const load = requireModule('pipeline');
