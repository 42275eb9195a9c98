// Meta Graph API and Conversions API, served under /meta (META_GRAPH_URL=<sandbox>/meta).
import type { Platform } from '../platform.ts';
import { capiRoutes } from './meta-capi.ts';
import { metaErrors } from './meta-errors.ts';

export const meta: Platform = {
  name: 'meta',
  envVar: 'META_GRAPH_URL',
  routes: [...capiRoutes],
  errors: metaErrors,
};
