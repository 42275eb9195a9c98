// Every platform the sandbox serves. A new platform is a module beside this one, listed here.
import type { Platform } from '../platform.ts';
import { dinamize } from './dinamize.ts';
import { googleAds } from './google-ads.ts';
import { linkedin } from './linkedin.ts';
import { meta } from './meta.ts';
import { tiktok } from './tiktok.ts';

export const platforms: readonly Platform[] = [meta, googleAds, tiktok, linkedin, dinamize];
