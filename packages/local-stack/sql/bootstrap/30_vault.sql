-- Platform bootstrap 30: a stand-in for Supabase Vault, mirroring supabase_vault 0.3.1
-- (github.com/supabase/vault, tag v0.3.1, sql/supabase_vault--0.3.0.sql; 0.3.1 changed no SQL).
-- Used only where this machine's PostgreSQL has no supabase_vault; src/bootstrap.ts creates the real
-- extension instead when it is installed (and src/postgres.ts preloads it with a per-stack root key).
--
-- What is the same as supabase_vault 0.3.1:
-- * vault.secrets (same columns, defaults and unique index on name), the vault.decrypted_secrets view
--   (same columns and order), vault.create_secret / vault.update_secret (same signatures, security
--   definer, `new_key_id` accepted and ignored), and the internal functions the view and those two
--   call: vault._crypto_aead_det_encrypt / _decrypt (message, additional, key_id, context, nonce) and
--   vault._crypto_aead_det_noncegen(). The ciphertext is bound to the row id (additional data), so a
--   `secret` copied to another row does not decrypt.
-- * Privileges: exactly upstream's, i.e. none. Nobody but the owner may use the schema, the table or
--   the view, and EXECUTE on the five functions is revoked from PUBLIC. Reading decrypted secrets
--   needs USAGE on vault, SELECT on the view and EXECUTE on _crypto_aead_det_decrypt (a view runs its
--   functions with the caller's rights), which the project grants to service_role in its migration
--   20261201001000_grant_platform_extension_access, as Supabase's image does.
--
-- The one documented difference: real Vault derives its keys (libsodium, XChaCha20-SIV) from a root
-- key that never enters the database (vault.getkey_script; the local stack writes one per stack
-- folder for the real extension). Here the _crypto_aead_det_* functions use pgcrypto's
-- pgp_sym_encrypt_bytea (AES-256, random salt per message, so not deterministic) under a random root
-- key kept in vault._root_key, a table only the superuser can read; they are security definer so the
-- callers never see the key. A dump of the local database therefore contains the key: acceptable for
-- a development stack, and the reason this file is never deployed.
-- Runs as the cluster superuser, after 10_extensions.sql, on every start; idempotent. The schema
-- comment records which upstream version this stand-in mirrors (read by src/bootstrap.ts).

create schema if not exists vault;
comment on schema vault is 'Local stand-in for supabase_vault 0.3.1 (packages/local-stack/sql/bootstrap/30_vault.sql).';

create table if not exists vault._root_key (
  singleton boolean primary key default true constraint only_one_root_key check (singleton),
  key bytea not null default extensions.gen_random_bytes(32),
  created_at timestamptz not null default now()
);
comment on table vault._root_key is
  'Local-only: the root key of the stand-in. Real Vault keeps its root key outside the database.';
insert into vault._root_key default values on conflict do nothing;

-- The passphrase of one ciphertext: root key, key id, context and the additional data (the row id).
create or replace function vault._stand_in_passphrase(additional bytea, key_id bigint, context bytea) returns text
language sql stable
security definer
set search_path = ''
as $$
  select encode(k.key, 'hex') || ':' || key_id::text || ':' || encode(coalesce(context, ''), 'hex')
         || ':' || encode(coalesce(additional, ''), 'hex')
  from vault._root_key k
$$;
comment on function vault._stand_in_passphrase(bytea, bigint, bytea) is
  'Local-only: the per-ciphertext passphrase derived from the root key; callable only by the functions below.';

create or replace function vault._crypto_aead_det_encrypt(
  message bytea, additional bytea, key_id bigint, context bytea = 'pgsodium', nonce bytea = null
) returns bytea
language sql volatile
security definer
set search_path = ''
as $$
  select extensions.pgp_sym_encrypt_bytea(message, vault._stand_in_passphrase(additional, key_id, context), 'cipher-algo=aes256')
$$;

create or replace function vault._crypto_aead_det_decrypt(
  message bytea, additional bytea, key_id bigint, context bytea = 'pgsodium', nonce bytea = null
) returns bytea
language sql stable
security definer
set search_path = ''
as $$
  select extensions.pgp_sym_decrypt_bytea(message, vault._stand_in_passphrase(additional, key_id, context))
$$;

create or replace function vault._crypto_aead_det_noncegen() returns bytea
language sql volatile
security definer
set search_path = ''
as $$
  select extensions.gen_random_bytes(16)
$$;

create table if not exists vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea default vault._crypto_aead_det_noncegen(),
  created_at timestamptz not null default current_timestamp,
  updated_at timestamptz not null default current_timestamp
);
comment on table vault.secrets is 'Table with encrypted `secret` column for storing sensitive information on disk.';
create unique index if not exists secrets_name_idx on vault.secrets using btree (name) where name is not null;

create or replace view vault.decrypted_secrets as
select
  s.id,
  s.name,
  s.description,
  s.secret,
  convert_from(
    vault._crypto_aead_det_decrypt(
      message := decode(s.secret, 'base64'),
      additional := convert_to(s.id::text, 'utf8'),
      key_id := 0,
      context := 'pgsodium'::bytea,
      nonce := s.nonce
    ),
    'utf8'
  ) as decrypted_secret,
  s.key_id,
  s.nonce,
  s.created_at,
  s.updated_at
from vault.secrets s;

create or replace function vault.create_secret(
  new_secret text,
  new_name text = null,
  new_description text = '',
  new_key_id uuid = null
) returns uuid
security definer
language plpgsql
set search_path = ''
as $$
declare
  secret_id uuid := gen_random_uuid();
  secret_nonce bytea := vault._crypto_aead_det_noncegen();
begin
  insert into vault.secrets (id, secret, name, description, nonce)
  values (
    secret_id,
    encode(vault._crypto_aead_det_encrypt(
      message := convert_to(new_secret, 'utf8'),
      additional := convert_to(secret_id::text, 'utf8'),
      key_id := 0,
      context := 'pgsodium'::bytea,
      nonce := secret_nonce
    ), 'base64'),
    new_name,
    new_description,
    secret_nonce
  );
  return secret_id;
end
$$;

-- Null arguments leave a field as it is; updated_at always moves.
create or replace function vault.update_secret(
  secret_id uuid,
  new_secret text = null,
  new_name text = null,
  new_description text = null,
  new_key_id uuid = null
) returns void
security definer
language plpgsql
set search_path = ''
as $$
begin
  update vault.secrets s
  set
    secret = case when new_secret is null then s.secret
                  else encode(vault._crypto_aead_det_encrypt(
                    message := convert_to(new_secret, 'utf8'),
                    additional := convert_to(s.id::text, 'utf8'),
                    key_id := 0,
                    context := 'pgsodium'::bytea,
                    nonce := s.nonce
                  ), 'base64') end,
    name = coalesce(new_name, s.name),
    description = coalesce(new_description, s.description),
    updated_at = now()
  where s.id = update_secret.secret_id;
end
$$;

-- Privileges as upstream: nothing for anyone but the owner.
revoke all on schema vault from public;
revoke all on all tables in schema vault from public;
revoke execute on all functions in schema vault from public;
