import { m } from '#lib/paraglide/messages.js';

/** The models analytics.utm_performance accepts. */
export const attributionModels = ['last_non_direct', 'last', 'first', 'linear', 'position'] as const;
export type AttributionModel = (typeof attributionModels)[number];

export const MODEL_LABELS: Record<AttributionModel, () => string> = {
	last_non_direct: m.tracking_model_last_non_direct,
	last: m.tracking_model_last,
	first: m.tracking_model_first,
	linear: m.tracking_model_linear,
	position: m.tracking_model_position
};
