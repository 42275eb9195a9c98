-- Vault behaviour the project relies on: secrets are stored encrypted, read back through
-- vault.decrypted_secrets by the server, and invisible to browser roles. Runs against Supabase Vault
-- and the local stack's stand-in (packages/local-stack/sql/bootstrap/30_vault.sql).
begin;
\ir ../_helpers/install.psql
select plan(12);

select isnt(vault.create_secret('rastro-test-plaintext', 'rastro_test_secret', 'pgTAP fixture'), null,
  'create_secret returns the new id');

select is((select count(*)::integer from vault.secrets where name = 'rastro_test_secret'), 1, 'the secret is stored once');
select ok((select secret <> 'rastro-test-plaintext' and position('rastro-test-plaintext' in secret) = 0
           from vault.secrets where name = 'rastro_test_secret'),
  'the secret column holds ciphertext, not the plaintext');
select is((select decrypted_secret from vault.decrypted_secrets where name = 'rastro_test_secret'), 'rastro-test-plaintext',
  'decrypted_secrets returns the plaintext');
select is((select description from vault.decrypted_secrets where name = 'rastro_test_secret'), 'pgTAP fixture',
  'the description is kept');
select throws_ok($$ select vault.create_secret('other', 'rastro_test_secret') $$, '23505', null,
  'secret names are unique');

select vault.update_secret((select id from vault.secrets where name = 'rastro_test_secret'), 'rastro-test-rotated');
select is((select decrypted_secret from vault.decrypted_secrets where name = 'rastro_test_secret'), 'rastro-test-rotated',
  'update_secret replaces the secret and keeps the name');

set local role service_role;
select is((select decrypted_secret from vault.decrypted_secrets where name = 'rastro_test_secret'), 'rastro-test-rotated',
  'service_role can read decrypted secrets');
reset role;

set local role anon;
select throws_ok($$ select * from vault.secrets $$, '42501', null, 'anon cannot read vault.secrets');
select throws_ok($$ select * from vault.decrypted_secrets $$, '42501', null, 'anon cannot read vault.decrypted_secrets');
reset role;

set local role authenticated;
select throws_ok($$ select * from vault.secrets $$, '42501', null, 'authenticated cannot read vault.secrets');
select throws_ok($$ select * from vault.decrypted_secrets $$, '42501', null, 'authenticated cannot read vault.decrypted_secrets');
reset role;

select * from finish();
rollback;
