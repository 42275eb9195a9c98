// Every platform the sandbox serves. A new platform is a module beside this one, listed here.
// Stateful platforms (Dinamize keeps contacts and tokens) are created per sandbox, so two sandboxes
// in one process never share state.
import type { Platform } from '../platform.ts';
import { createConversionService } from './conversion-service.ts';
import { createDinamize } from './dinamize.ts';
import { googleAds } from './google-ads.ts';
import { linkedin } from './linkedin.ts';
import { createMeta } from './meta.ts';
import { tiktok } from './tiktok.ts';

export function createPlatforms(): Platform[] {
  return [createMeta(), googleAds, tiktok, linkedin, createDinamize(), createConversionService()];
}
