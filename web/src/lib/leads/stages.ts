// Pure helpers of the pipeline settings page.

/** The stage ids in their new order after moving one stage a step up or down; null when it cannot move. */
export function movedOrder(ids: readonly string[], id: string, direction: 'up' | 'down'): string[] | null {
	const from = ids.indexOf(id);
	const to = direction === 'up' ? from - 1 : from + 1;
	if (from < 0 || to < 0 || to >= ids.length) return null;
	const order = [...ids];
	[order[from], order[to]] = [order[to]!, order[from]!];
	return order;
}

export type StageKind = 'open' | 'won' | 'lost';

export function stageKind(stage: { is_won: boolean; is_lost: boolean }): StageKind {
	return stage.is_won ? 'won' : stage.is_lost ? 'lost' : 'open';
}

export function kindFlags(kind: StageKind): { is_won: boolean; is_lost: boolean } {
	return { is_won: kind === 'won', is_lost: kind === 'lost' };
}

/** A probability typed in the form: a whole percentage, or null when it is not one. */
export function parseProbability(raw: string): number | null {
	const trimmed = raw.trim().replace(/%$/, '');
	if (!/^\d{1,3}$/.test(trimmed)) return null;
	const value = Number(trimmed);
	return value <= 100 ? value : null;
}
