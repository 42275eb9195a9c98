-- Contact hashing in SQL. The full vector set (packages/contracts/test-vectors/hashing.json) is checked
-- against these functions and the TypeScript module by packages/contracts/test/hashing.test.ts; these
-- few cases keep the SQL side honest when only pgTAP runs.
begin;
\ir ../_helpers/install.psql
select plan(12);

select is(lead.sha256_hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'sha256_hex of the empty string');
select is(lead.normalize_email('  John.Doe@Example.COM '), 'john.doe@example.com', 'e-mail: trimmed and lower-cased');
select is(lead.normalize_email('no-at-sign.example.com'), null, 'e-mail without @ is invalid');
select is(lead.normalize_email(E'\u00a0JOSÉ@EXEMPLO.COM.BR\ufeff'), 'josé@exemplo.com.br', 'e-mail: Unicode spaces and BOM trimmed, Unicode lower-cased');
select is(lead.normalize_phone('+55 (11) 98765-4321'), '5511987654321', 'phone: digits only, + dropped');
select is(lead.normalize_phone('0055 11 98765-4321'), '5511987654321', 'phone: the international prefix 00 is dropped');
select is(lead.normalize_phone('000 1234567'), '01234567', 'phone: at most two leading zeros are dropped');
select is(lead.normalize_phone('12345'), null, 'phone: fewer than 7 digits is invalid');
select is(lead.hash_email('JOHN.DOE@example.com'), lead.sha256_hex('john.doe@example.com'), 'hash_email hashes the normalised e-mail');
select is(lead.hash_phone(' 973657EE2C4CD1A7B0D1AE1C0F0F2E6BD1D5B5C0D7AB3F6E8A1E1C4F0B2D6A8C '),
  '973657ee2c4cd1a7b0d1ae1c0f0f2e6bd1d5b5c0d7ab3f6e8a1e1c4f0b2d6a8c', 'a value already hashed passes through, lower-cased');
select is(lead.hash_email(''), null, 'an empty value hashes to null');
select is(lead.hash_phone(null), null, 'null hashes to null');

select * from finish();
rollback;
