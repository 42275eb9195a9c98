-- Contact hashing: e-mail and phone normalised as Meta's Conversions API asks (docs PLATFORMS.md),
-- then SHA-256 as lowercase hex. packages/contracts/src/hashing.ts implements the same rules for
-- edge functions and the browser; packages/contracts/test-vectors/hashing.json holds the vectors both
-- are tested against (vitest checks TS and these functions, Deno checks TS).
--
-- Rules, identical in both implementations:
-- * trim: the white space JavaScript's String.prototype.trim removes, listed explicitly (the database
--   locale must not decide what counts as a space);
-- * e-mail: trim, Unicode NFC, lower-case with the ICU root locale ("und-x-icu" — the same mapping as
--   JavaScript's toLowerCase, unlike libc's C.UTF-8); valid only as local@domain.tld with no spaces;
-- * phone: trim, keep ASCII digits only (drops "+", spaces, punctuation), strip up to two leading
--   zeros (international prefix 00), keep the country code; valid with 7 to 15 digits;
-- * a value that already is 64 hex digits is taken as a SHA-256 and passed through (trimmed,
--   lower-cased), never hashed twice; anything invalid hashes to null.

-- ---- helper functions -----------------------------------------------------------------------------
-- PL/pgSQL rather than SQL: SQL functions with `set search_path` are never inlined, and a non-inlined
-- SQL function call costs ~15x a PL/pgSQL one; the lead triggers call these for every imported row.

create function lead._trim_white_space(value text) returns text
language sql immutable parallel safe set search_path = ''
as $$
  select pg_catalog.btrim(value,
    E'\t\n\u000b\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff')
$$;
comment on function lead._trim_white_space(text) is
  'btrim of exactly the characters JavaScript''s String.prototype.trim removes (Unicode Zs, tab, line terminators, BOM).';

create function lead.sha256_hex(value text) returns text
language sql immutable strict parallel safe set search_path = ''
as $$
  select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(value, 'UTF8')), 'hex')
$$;
comment on function lead.sha256_hex(text) is 'SHA-256 of the UTF-8 bytes of value, as 64 lowercase hex digits.';

create function lead._as_sha256_hex(value text) returns text
language plpgsql immutable parallel safe set search_path = ''
as $$
declare
  trimmed text;
begin
  if value is null or length(value) < 64 then
    return null;
  end if;
  trimmed := lead._trim_white_space(value);
  return case when trimmed ~ '^[0-9A-Fa-f]{64}$' then lower(trimmed) end;
end
$$;
comment on function lead._as_sha256_hex(text) is 'The value trimmed and lower-cased if it already is a SHA-256 in hex, else null.';

create function lead.normalize_email(value text) returns text
language plpgsql immutable parallel safe set search_path = ''
as $$
declare
  email text := lower(normalize(lead._trim_white_space(value), nfc) collate "und-x-icu");
begin
  -- local@domain.tld, none of the parts empty, no white space (the same characters as the trim)
  if email ~ E'^[^@\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+@[^@\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+\\.[^@\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+$' then
    return email;
  end if;
  return null;
end
$$;
comment on function lead.normalize_email(text) is
  'Trimmed, NFC, lower-cased (ICU root, as JavaScript) e-mail; null when empty or not local@domain.tld.';

create function lead.normalize_phone(value text) returns text
language plpgsql immutable parallel safe set search_path = ''
as $$
declare
  digits text := regexp_replace(regexp_replace(value, '[^0-9]', '', 'g'), '^0{1,2}', '');
begin
  return case when length(digits) between 7 and 15 then digits end;
end
$$;
comment on function lead.normalize_phone(text) is
  'ASCII digits only, up to two leading zeros removed, country code kept; null unless 7 to 15 digits remain.';

create function lead.hash_email(value text) returns text
language plpgsql immutable parallel safe set search_path = ''
as $$
begin
  return coalesce(lead._as_sha256_hex(value), lead.sha256_hex(lead.normalize_email(value)));
end
$$;
comment on function lead.hash_email(text) is 'SHA-256 hex of the normalised e-mail (Meta em); a value already hashed passes through; null if invalid.';

create function lead.hash_phone(value text) returns text
language plpgsql immutable parallel safe set search_path = ''
as $$
begin
  return coalesce(lead._as_sha256_hex(value), lead.sha256_hex(lead.normalize_phone(value)));
end
$$;
comment on function lead.hash_phone(text) is 'SHA-256 hex of the normalised phone (Meta ph); a value already hashed passes through; null if invalid.';

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function lead._trim_white_space(text), lead.sha256_hex(text), lead._as_sha256_hex(text),
  lead.normalize_email(text), lead.normalize_phone(text), lead.hash_email(text), lead.hash_phone(text) from public;
grant execute on function lead._trim_white_space(text), lead.sha256_hex(text), lead._as_sha256_hex(text),
  lead.normalize_email(text), lead.normalize_phone(text), lead.hash_email(text), lead.hash_phone(text)
  to authenticated, service_role;
