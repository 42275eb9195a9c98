import { describe, expect, it } from 'vitest';
import { kindFlags, movedOrder, parseProbability, stageKind } from './stages.ts';

describe('pipeline settings', () => {
	it('moves a stage one step up or down', () => {
		expect(movedOrder(['a', 'b', 'c'], 'b', 'up')).toEqual(['b', 'a', 'c']);
		expect(movedOrder(['a', 'b', 'c'], 'b', 'down')).toEqual(['a', 'c', 'b']);
	});

	it('does not move past either end or an unknown stage', () => {
		expect(movedOrder(['a', 'b'], 'a', 'up')).toBeNull();
		expect(movedOrder(['a', 'b'], 'b', 'down')).toBeNull();
		expect(movedOrder(['a', 'b'], 'z', 'up')).toBeNull();
	});

	it('maps won / lost flags to one kind and back', () => {
		expect(stageKind({ is_won: true, is_lost: false })).toBe('won');
		expect(stageKind({ is_won: false, is_lost: false })).toBe('open');
		expect(kindFlags('lost')).toEqual({ is_won: false, is_lost: true });
	});

	it('reads probabilities as whole percentages', () => {
		expect(parseProbability('25')).toBe(25);
		expect(parseProbability(' 100% ')).toBe(100);
		expect(parseProbability('101')).toBeNull();
		expect(parseProbability('12.5')).toBeNull();
		expect(parseProbability('')).toBeNull();
	});
});
