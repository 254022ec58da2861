-- Private document storage (Pièces justificatives): "Vous seul pouvez consulter son
-- contenu". A document belongs to the parent's ACCOUNT, not to the family file: the seed
-- promises the owner alone sees it, and a co-parent of the same file (or an ex-partner who
-- keeps an account on it) is someone else. No back-office code reads these tables
-- (docs/adr/0009-private-document-storage.md); the quota alone is counted per family.

-- The storage quota of a family (or of an account without a family file), a town setting.
alter table towns
  add column document_quota_bytes bigint not null default 104857600
    check (document_quota_bytes between 0 and 10737418240);

-- The composite key lets documents reference (town_id, account_id), so a document can
-- never point at an account of another town. `if not exists`: another migration may
-- already have created the same index.
create unique index if not exists accounts_town_id_id_key on accounts (town_id, id);

create table private_documents (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  account_id uuid not null,
  -- Qualification de la pièce: see src/features/documents/documents.schemas.ts.
  kind text not null check (kind in (
    'justificatif_domicile', 'certificat_medical', 'avis_imposition', 'livret_famille',
    'attestation_caf', 'piece_identite', 'attestation_assurance', 'justificatif_absence', 'autre'
  )),
  title text not null check (length(title) between 1 and 200),
  number text not null default '' check (length(number) <= 100),
  issuing_authority text not null default '' check (length(issuing_authority) <= 200),
  issued_on date,
  valid_until date,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (valid_until is null or issued_on is null or valid_until >= issued_on),
  foreign key (town_id, account_id) references accounts (town_id, id) on delete cascade,
  unique (town_id, id)
);
create index private_documents_account_idx on private_documents (town_id, account_id, created_at desc);

-- One to four files per document; the bytes live here (no local state on the servers).
create table private_document_files (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null,
  document_id uuid not null,
  position smallint not null check (position between 1 and 4),
  -- As the parent named it, sanitised: for display and the download's name only.
  file_name text not null check (length(file_name) between 1 and 200),
  -- Detected from the content, never taken from the browser.
  content_type text not null check (content_type in (
    'application/pdf', 'image/png', 'image/jpeg', 'image/bmp',
    'application/vnd.oasis.opendocument.text',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/msword'
  )),
  size_bytes integer not null check (size_bytes between 1 and 3276800),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content bytea not null check (octet_length(content) = size_bytes),
  created_at timestamptz not null default now(),
  foreign key (town_id, document_id) references private_documents (town_id, id) on delete cascade,
  unique (document_id, position)
);
create index private_document_files_document_idx on private_document_files (document_id);
-- PDF, JPEG, PNG and Office files are already compressed: TOAST would only waste CPU.
alter table private_document_files alter column content set storage external;
