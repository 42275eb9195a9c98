-- Platform bootstrap 30: a Supabase Vault–compatible secret store.
--
-- Mirrors supabase_vault 0.3.x as found on Supabase projects: the same `vault.secrets` table shape,
-- `vault.create_secret` / `vault.update_secret` signatures (`new_key_id` accepted and ignored, as
-- upstream) and the `vault.decrypted_secrets` view with the same column order. Code that stores and
-- reads secrets through these runs unchanged on Supabase.
--
-- Documented local difference: real Vault encrypts with libsodium (via pgsodium) under a root key
-- that lives OUTSIDE the database (server key file / KMS), so a dump of the database holds only
-- ciphertext. Here the ciphertext is made by pgcrypto's `pgp_sym_encrypt` (AES-256, salted per
-- message) under a random per-database key kept in `vault._root_key`, a table only the superuser can
-- read. A dump of the local database therefore contains the key; that is acceptable for a
-- development stack and is the one thing this file does not reproduce.
-- Runs as the cluster superuser, after 10_extensions.sql, and is idempotent.

create schema if not exists vault;
comment on schema vault is 'Secrets encrypted at rest (local stand-in for Supabase Vault).';

create table if not exists vault._root_key (
  singleton boolean primary key default true constraint only_one_root_key check (singleton),
  key text not null default encode(extensions.gen_random_bytes(32), 'hex'),
  created_at timestamptz not null default now()
);
comment on table vault._root_key is
  'Local-only: the per-database encryption key. Real Vault keeps its root key outside the database.';
insert into vault._root_key default values on conflict do nothing;

create table if not exists vault.secrets (
  id uuid primary key default extensions.gen_random_uuid(),
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea,
  created_at timestamptz not null default current_timestamp,
  updated_at timestamptz not null default current_timestamp
);
comment on table vault.secrets is 'Table with encrypted `secret` column for storing sensitive information on disk.';
comment on column vault.secrets.secret is 'Base64 of the pgp_sym_encrypt ciphertext; never the plaintext.';
comment on column vault.secrets.key_id is 'Kept for shape compatibility; unused, as in Vault 0.3.';
comment on column vault.secrets.nonce is
  'Kept for shape compatibility; pgp_sym_encrypt carries its own random salt and IV in the ciphertext.';
-- Upstream's index: names are unique, unnamed secrets are allowed.
create unique index if not exists secrets_name_idx on vault.secrets (name) where name is not null;

-- The passphrase binds each ciphertext to its row id (Vault uses the id as AEAD additional data),
-- so swapping `secret` values between rows makes decryption fail instead of returning the wrong secret.
create or replace function vault._row_passphrase(root_key text, secret_id uuid) returns text
language sql immutable strict
set search_path = ''
as $$
  select root_key || ':' || secret_id::text
$$;
comment on function vault._row_passphrase(text, uuid) is 'Local-only: per-row passphrase derived from the root key.';

create or replace function vault._encrypt(plaintext text, secret_id uuid) returns text
language sql volatile strict
set search_path = ''
as $$
  select encode(
    extensions.pgp_sym_encrypt(plaintext, vault._row_passphrase(k.key, secret_id), 'cipher-algo=aes256'),
    'base64')
  from vault._root_key k
$$;
comment on function vault._encrypt(text, uuid) is
  'Local-only: encrypts a secret for a row. Reads the root key, so only callable from security definer functions.';

-- Mirrors vault.create_secret: inserts a secret and returns its id. Security definer because it must
-- read the root key; the callers need no privilege on vault.secrets or vault._root_key.
create or replace function vault.create_secret(
  new_secret text,
  new_name text default null,
  new_description text default '',
  new_key_id uuid default null
) returns uuid
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  secret_id uuid := extensions.gen_random_uuid();
begin
  insert into vault.secrets (id, name, description, secret)
  values (secret_id, new_name, new_description, vault._encrypt(new_secret, secret_id));
  return secret_id;
end
$$;
comment on function vault.create_secret(text, text, text, uuid) is
  'Mirrors supabase_vault create_secret: stores new_secret encrypted, returns its id (new_key_id is ignored, as upstream).';

-- Mirrors vault.update_secret: null arguments leave the field unchanged; updated_at always moves.
create or replace function vault.update_secret(
  secret_id uuid,
  new_secret text default null,
  new_name text default null,
  new_description text default null,
  new_key_id uuid default null
) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  update vault.secrets s
  set secret = coalesce(vault._encrypt(new_secret, s.id), s.secret),
      name = coalesce(new_name, s.name),
      description = coalesce(new_description, s.description),
      updated_at = now()
  where s.id = update_secret.secret_id;
end
$$;
comment on function vault.update_secret(uuid, text, text, text, uuid) is
  'Mirrors supabase_vault update_secret: re-encrypts new_secret and updates name/description when given (new_key_id is ignored, as upstream).';

-- Owned by the superuser, so the view reads vault._root_key with the owner's rights; whoever may
-- select from the view may read every plaintext, exactly as with Supabase's view.
create or replace view vault.decrypted_secrets as
select
  s.id,
  s.name,
  s.description,
  s.secret,
  extensions.pgp_sym_decrypt(decode(s.secret, 'base64'), vault._row_passphrase(k.key, s.id)) as decrypted_secret,
  s.key_id,
  s.nonce,
  s.created_at,
  s.updated_at
from vault.secrets s
cross join vault._root_key k;
comment on view vault.decrypted_secrets is 'Mirrors supabase_vault decrypted_secrets: every secret with its plaintext.';

-- Grants as on Supabase: postgres and service_role only; anon and authenticated get nothing.
revoke all on schema vault from public;
revoke all on all tables in schema vault from public;
revoke execute on all functions in schema vault from public;
grant usage on schema vault to postgres, service_role;
grant select, delete on vault.secrets to postgres, service_role;
grant select on vault.decrypted_secrets to postgres, service_role;
grant execute on function
  vault.create_secret(text, text, text, uuid),
  vault.update_secret(uuid, text, text, text, uuid),
  vault._row_passphrase(text, uuid)
  to postgres, service_role;
