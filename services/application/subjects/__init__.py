"""Data subjects' keys and case files' personal details: encryption and crypto-shredding.

Each data subject has one AES-256-GCM key in the `subject_keys` table, in the same
database as the events but apart from them. Personal details are encrypted under
that key before they enter an event (with the case file id and subject reference as
associated data, so ciphertext cannot be moved to another file). Erasing a subject
records a `SubjectErased` event on each of their case files (principal, rationale,
basis: the audit trail), then destroys the key, then calls the erasure hooks so
that modules holding derived copies purge them. Every read decrypts with the
current key, so after erasure the details read as `[redacted]`, in the current
state and in replayed history alike.

Erasure is re-runnable: if it stops after the events are recorded, running it again
destroys the key and calls the hooks.

What destroying the key cannot reach: database backups, PostgreSQL WAL archives and
replicas taken before the erasure still hold the key; their retention must be shorter
than the retention schedule's granularity (or they must be re-keyed).

Five modules, one concern each: adapters/subject_cipher.py seals and opens
personal details under a subject's key; adapters/subject_keys.py keeps the keys
(in memory, SQLite or PostgreSQL) and destroys them; services/application/subjects/service.py is
the case files' commands and reads, erasure and its hooks; services/application/subjects/known.py
holds the decrypted names, dates of birth and addresses free text is screened against;
services/cli/subjects.py is `lif subjects`.
"""
