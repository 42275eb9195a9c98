import { describe, expect, it } from 'vitest';
import { uploadErrorMessage } from './upload-errors.ts';

const answer = (code: string, message = 'raw message') => ({ error: { code, message } });

describe('messages for a refused upload', () => {
	it('explains the file problems leads-import reports', () => {
		expect(uploadErrorMessage(422, answer('wrong_separator'))).toContain('“,” or “;”');
		expect(uploadErrorMessage(413, answer('file_too_large'))).toContain('50 MB');
		expect(uploadErrorMessage(422, answer('no_rows'))).toContain('no rows');
	});

	it('passes on what the function says about a mapping that does not fit', () => {
		expect(uploadErrorMessage(422, answer('invalid_mapping', 'The mapping names columns the file does not have: Nome'))).toBe(
			'The column mapping does not fit the file: The mapping names columns the file does not have: Nome.'
		);
	});

	it('falls back on the status when the answer is not the error shape', () => {
		expect(uploadErrorMessage(413, null)).toContain('50 MB');
		expect(uploadErrorMessage(401, '<html>')).toContain('Sign in again');
		expect(uploadErrorMessage(502, null)).toContain('Try again');
		expect(uploadErrorMessage(400, answer('something_new', 'Something new happened'))).toBe('Something new happened');
	});
});
